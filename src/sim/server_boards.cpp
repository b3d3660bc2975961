// espsim --count N: N boards in one process, one thread each (each its own
// flash, device and link, so nothing is shared but the stop flag).
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "espbak/sim/flash_model.hpp"
#include "espbak/sim/server.hpp"
#include "espbak/util/error.hpp"

namespace espbak::sim {

void serve_boards(const std::vector<BoardSpec>& boards, std::atomic<bool>& stop,
                  const std::function<void(const std::string&)>& ready) {
  std::mutex lock;
  std::condition_variable changed;
  std::vector<std::optional<std::string>> lines(boards.size());
  std::optional<Error> failure;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < boards.size(); ++i) {
    threads.emplace_back([&, i] {
      const BoardSpec& spec = boards[i];
      try {
        std::unique_ptr<FlashModel> flash = spec.flash_file.empty()
                                                ? std::make_unique<FlashModel>(spec.flash_size)
                                                : std::make_unique<FlashModel>(spec.flash_size, spec.flash_file);
        Device device(spec.device, *flash);
        serve(device, spec.link, spec.where, stop, [&](const std::string& line) {
          std::lock_guard<std::mutex> hold(lock);
          lines[i] = line;
          changed.notify_all();
        });
      } catch (const Error& e) {
        std::lock_guard<std::mutex> hold(lock);
        if (!failure) failure = e;
        stop = true;  // the other boards end too
        changed.notify_all();
      }
    });
  }
  {
    // The ready lines in board order, once all are open (a test or script
    // reads board i's port from line i).
    std::unique_lock<std::mutex> hold(lock);
    auto settled = [&] {
      if (failure || stop) return true;
      for (const auto& l : lines)
        if (!l) return false;
      return true;
    };
    // A stop signal sets `stop` without notifying: look again now and then.
    while (!settled()) changed.wait_for(hold, std::chrono::milliseconds(100));
    if (!failure && !stop)
      for (const auto& l : lines) ready(*l);
  }
  for (auto& t : threads) t.join();
  if (failure) throw *failure;
}

}  // namespace espbak::sim
