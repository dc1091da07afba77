//! A running `salesos serve` for black-box HTTP tests, and a minimal HTTP/1.1 client over a
//! plain TCP stream (requests close the connection; responses have a Content-Length).

use super::Env;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A server process; stopped with SIGTERM when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Everything the server printed on stderr so far.
    pub output: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
    }
}

impl Env {
    /// Starts `salesos serve` on a free loopback port with extra arguments.
    pub fn serve(&self, extra: &[&str]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_salesos"));
        command
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(extra)
            .env("SALESOS_DATA_DIR", self.data_dir())
            .env_remove("DATABASE_URL");
        if let Some(url) = &self.database_url {
            command.env("DATABASE_URL", url);
        }
        let mut child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("start server");
        let stderr = child.stderr.take().expect("stderr");
        let output = Arc::new(Mutex::new(String::new()));
        let (sender, receiver) = std::sync::mpsc::channel();
        let sink = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("listening on http://").nth(1) {
                    let _ = sender.send(addr.split_whitespace().next().unwrap_or_default().to_string());
                }
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let addr = receiver
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("server did not start:\n{}", output.lock().unwrap()));
        Server { child, addr, output }
    }
}

/// A response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    /// Parses the body as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|err| panic!("not JSON ({err}): {} {}", self.status, self.body))
    }

    /// Returns a header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Asserts the status and an error code, returning the error object.
    #[track_caller]
    pub fn err(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        let json = self.json();
        assert_eq!(json["error"]["code"], code, "{json}");
        json["error"].clone()
    }

    /// Asserts a 2xx status and returns the JSON body.
    #[track_caller]
    pub fn ok(&self) -> Value {
        assert!((200..300).contains(&self.status), "{} {}", self.status, self.body);
        self.json()
    }
}

/// Sends one request.
pub fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let body = body.unwrap_or("");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    Response { status, headers, body: body.to_string() }
}

/// A client bound to one server and one API key.
pub struct Client<'a> {
    pub addr: &'a str,
    pub key: String,
}

impl Client<'_> {
    fn auth(&self) -> String {
        format!("Bearer {}", self.key)
    }

    /// GET with the key.
    pub fn get(&self, path: &str) -> Response {
        request(self.addr, "GET", path, &[("Authorization", &self.auth())], None)
    }

    /// A JSON request with the key.
    pub fn send(&self, method: &str, path: &str, body: &Value) -> Response {
        request(
            self.addr,
            method,
            path,
            &[("Authorization", &self.auth()), ("Content-Type", "application/json")],
            Some(&body.to_string()),
        )
    }

    /// DELETE with the key.
    pub fn delete(&self, path: &str) -> Response {
        request(self.addr, "DELETE", path, &[("Authorization", &self.auth())], None)
    }
}
