// Starts espsim as a child process on a free TCP port and stops it again.
// The command line and the ready line are espsim's contract:
//   espsim --chip C --flash-size S [--flash-file P] [--mac M] [--jedec-id J]
//          --listen tcp:HOST:PORT [--link instant|realistic]
//   ready: exactly one stdout line "espsim: listening on socket://127.0.0.1:PORT"
import { spawn } from "node:child_process";

const READY_LINE = /^espsim: listening on socket:\/\/([0-9.]+):(\d+)\s*$/;

export class EspsimProcess {
  /**
   * @param {string} binary path of the espsim executable
   * @param {string[]} args arguments after the binary (must include --listen tcp:127.0.0.1:0)
   */
  constructor(binary, args) {
    this.binary = binary;
    this.args = args;
    this.child = null;
    this.host = null;
    this.port = null;
    this.stderr = "";
    this.stdoutLines = [];
    this.exit = null; // {code, signal} once it ended
  }

  get commandLine() {
    return [this.binary, ...this.args].join(" ");
  }

  /** Resolves with {host, port} once espsim prints its ready line. */
  start(readyTimeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, this.args, { stdio: ["ignore", "pipe", "pipe"] });
      this.child = child;
      let settled = false;
      let stdoutBuffer = "";
      const fail = (message) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new Error(`${message}\n  command: ${this.commandLine}\n  stderr: ${this.stderr.trim() || "(empty)"}`));
      };
      const timer = setTimeout(() => fail(`espsim printed no ready line within ${readyTimeoutMs} ms`), readyTimeoutMs);
      child.on("error", (err) => fail(`cannot start espsim: ${err.message}`));
      child.on("exit", (code, signal) => {
        this.exit = { code, signal };
        fail(`espsim exited before it was ready (code ${code}, signal ${signal})`);
      });
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (text) => {
        // Keep the tail only: a long session must not grow memory without bound.
        this.stderr = (this.stderr + text).slice(-20000);
      });
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (text) => {
        stdoutBuffer += text;
        let newline;
        while ((newline = stdoutBuffer.indexOf("\n")) >= 0) {
          const line = stdoutBuffer.slice(0, newline).replace(/\r$/, "");
          stdoutBuffer = stdoutBuffer.slice(newline + 1);
          this.stdoutLines.push(line);
          const match = READY_LINE.exec(line);
          if (match && !settled) {
            settled = true;
            clearTimeout(timer);
            this.host = match[1];
            this.port = Number(match[2]);
            resolve({ host: this.host, port: this.port });
          }
        }
      });
    });
  }

  get running() {
    return this.child !== null && this.exit === null;
  }

  /** SIGTERM, then SIGKILL if it does not end within graceMs. */
  async stop(graceMs = 3000) {
    const child = this.child;
    if (!child || this.exit) return this.exit;
    const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    const result = await exited;
    clearTimeout(timer);
    this.exit = result;
    return result;
  }
}
