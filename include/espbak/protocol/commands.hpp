#pragma once
// One typed struct per bootloader command, each with its encoder, decoder
// and timeout rule (command_codec.hpp says what they share), and the typed
// results of the commands that have one. The host loader builds its
// requests through them; espsim decodes them and encodes its replies
// (replies.hpp) through them.
#include "espbak/protocol/command_codec.hpp"
#include "espbak/protocol/commands_flash.hpp"
#include "espbak/protocol/commands_info.hpp"
#include "espbak/protocol/commands_memory.hpp"
#include "espbak/protocol/commands_read.hpp"
#include "espbak/protocol/commands_registers.hpp"
#include "espbak/protocol/replies.hpp"
