#include "cinestream/runtime/thread_name.hpp"

#include <pthread.h>

#include <string>

namespace cinestream {

void name_this_thread(std::string_view name) {
  std::string cut(name.substr(0, 15));  // TASK_COMM_LEN is 16 with the terminator
  (void)::pthread_setname_np(::pthread_self(), cut.c_str());
}

}  // namespace cinestream
