// The benchmark programs' table: each row printed as it is measured, and all
// of them written as JSON at the end (tests/bench/run.sh and pg_run.sh
// gather the files into one results file).
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace orderstate::bench {

using Steady = std::chrono::steady_clock;

struct Row {
  std::string name;
  double value;
  std::string unit;
  std::string note;
};

inline std::vector<Row>& rows() {
  static std::vector<Row> all;
  return all;
}

inline void report(std::string name, double value, std::string unit, std::string note = "") {
  std::printf("%-58s %12.0f %-9s %s\n", name.c_str(), value, unit.c_str(), note.c_str());
  std::fflush(stdout);
  rows().push_back({std::move(name), value, std::move(unit), std::move(note)});
}

inline double seconds_since(Steady::time_point t0) {
  return std::chrono::duration<double>(Steady::now() - t0).count();
}

// Every row reported so far, as a JSON array. False if `path` cannot be written.
inline bool write_json(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  const std::vector<Row>& all = rows();
  std::fprintf(f, "[\n");
  for (std::size_t i = 0; i < all.size(); ++i) {
    std::fprintf(f, "  {\"name\": \"%s\", \"value\": %.1f, \"unit\": \"%s\", \"note\": \"%s\"}%s\n",
                 all[i].name.c_str(), all[i].value, all[i].unit.c_str(), all[i].note.c_str(),
                 i + 1 < all.size() ? "," : "");
  }
  std::fprintf(f, "]\n");
  return std::fclose(f) == 0;
}

}  // namespace orderstate::bench
