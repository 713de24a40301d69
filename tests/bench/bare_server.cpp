// The yardstick for the HTTP benchmark: a bare cpp-httplib server with the
// same settings as orderstate-server that parses the same JSON body and answers
// a constant body of the same size as a real cancel. Usage: bare_server PORT THREADS
#include <httplib.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  const int port = argc > 1 ? std::atoi(argv[1]) : 0;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 32;
  const std::string body =
      R"({"status":"success","data":{"order_id":"ord-20260303120000-1","position_id":"pos-20260303120000-1","exchange":"binance","symbol":"BTC/USDT","side":"BUY","type":"LIMIT","amount":"0.01","price":"50000.00","status":"CANCELED","created_at":"2026-03-03T12:00:00Z","updated_at":"2026-03-03T12:05:00Z"}})";
  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(100000);
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.Post("/api/v1/trading/cancel_order",
              [&](const httplib::Request& req, httplib::Response& res) {
                rapidjson::Document doc;
                doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(req.body.data(), req.body.size());
                if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("order_id")) {
                  res.status = 400;
                  return;
                }
                res.set_content(body, "application/json");
              });
  const int bound = port ? (server.bind_to_port("127.0.0.1", port) ? port : -1)
                         : server.bind_to_any_port("127.0.0.1");
  if (bound < 0) return 1;
  std::printf("listening on http://127.0.0.1:%d\n", bound);
  std::fflush(stdout);
  server.listen_after_bind();
}
