#pragma once
// SIGINT / SIGTERM stop espsim cleanly (stop_signals_posix.cpp,
// stop_signals_win.cpp); a vanished host never kills it (SIGPIPE ignored).
void on_stop_signals(void (*handler)(int));
