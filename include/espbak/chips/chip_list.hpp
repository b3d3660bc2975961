#pragma once
// Every chip espbak and espsim know, in detection order: one line per chip.
// X(name) needs src/chips/<name>.cpp defining `ChipInfo chip_info_<name>()`
// (docs/architecture.md, "Adding a chip").
#define ESPBAK_FOR_EACH_CHIP(X) \
  X(esp8266)                  \
  X(esp32)                    \
  X(esp32s2)                  \
  X(esp32s3)                  \
  X(esp32c2)                  \
  X(esp32c3)                  \
  X(esp32c5)                  \
  X(esp32c6)                  \
  X(esp32c61)                 \
  X(esp32h2)                  \
  X(esp32h21)                 \
  X(esp32h4)                  \
  X(esp32p4)                  \
  X(esp32s31)
