// A Web Serial `SerialPort` look-alike backed by a TCP socket, so that
// esptool-js's `Transport` (lib/webserial.js) can talk to espsim from Node.
//
// What Transport touches on its device, and how this class answers:
//   open({baudRate, ...})  connects the socket (a new TCP connection is a new
//                          espsim session, i.e. a chip that was just reset
//                          into download mode)
//   close()                ends the socket; readable/writable become null
//   readable               WHATWG ReadableStream of Uint8Array chunks; like
//                          Web Serial, a cancelled stream is replaced by a new
//                          one on the next access while the port is open, and
//                          bytes arriving in between are kept for it
//   writable               WHATWG WritableStream; a write resolves once the
//                          socket has taken the bytes
//   setSignals({...})      TCP carries no modem lines: recorded, not sent
//   getInfo()              no USB ids (so esptool-js treats it as a UART bridge)
//   setBaudRate(baud)      optional capability Transport.changeBaudrate()
//                          prefers over close/reopen; recorded only, because
//                          reopening a TCP port would start a new espsim session
import net from "node:net";

function domError(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

export class TcpSerialPort {
  /**
   * @param {{host: string, port: number, connectTimeoutMs?: number}} options
   */
  constructor({ host, port, connectTimeoutMs = 5000 }) {
    this.host = host;
    this.port = port;
    this.connectTimeoutMs = connectTimeoutMs;
    this.baudRate = undefined;
    /** Every setSignals() call, in order (for tests that care about resets). */
    this.signalLog = [];
    /** Every baud rate the host asked for (open and setBaudRate). */
    this.baudLog = [];
    this._socket = null;
    this._readable = null;
    this._readController = null;
    this._pendingChunks = []; // received while no readable stream was live
    this._writable = null;
    this._ended = false; // the peer closed the connection
  }

  getInfo() {
    return { usbVendorId: undefined, usbProductId: undefined };
  }

  get isOpen() {
    return this._socket !== null;
  }

  async open(options = {}) {
    if (this._socket) {
      throw domError("InvalidStateError", "The port is already open.");
    }
    if (!options.baudRate) {
      throw new TypeError("open() needs a baudRate");
    }
    this.baudRate = options.baudRate;
    this.baudLog.push(options.baudRate);
    this._ended = false;
    this._pendingChunks = [];
    const socket = await new Promise((resolve, reject) => {
      const s = net.createConnection({ host: this.host, port: this.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(domError("NetworkError", `connect to ${this.host}:${this.port} timed out`));
      }, this.connectTimeoutMs);
      s.once("connect", () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once("error", (err) => {
        clearTimeout(timer);
        reject(domError("NetworkError", `connect to ${this.host}:${this.port}: ${err.message}`));
      });
    });
    socket.setNoDelay(true);
    socket.on("data", (buf) => this._onData(buf));
    socket.on("end", () => this._onEnd(null));
    socket.on("close", () => this._onEnd(null));
    socket.on("error", (err) => this._onEnd(err));
    this._socket = socket;
  }

  _onData(buf) {
    const chunk = new Uint8Array(buf); // a copy: never hand out Node's pooled memory
    if (this._readController) {
      this._readController.enqueue(chunk);
    } else {
      this._pendingChunks.push(chunk);
    }
  }

  _onEnd(err) {
    if (this._ended) return;
    this._ended = true;
    const controller = this._readController;
    this._readController = null;
    if (controller) {
      try {
        if (err) controller.error(domError("NetworkError", err.message));
        else controller.close();
      } catch {
        // already closed or errored
      }
    }
  }

  get readable() {
    if (!this._socket) return null;
    if (this._readable) return this._readable;
    if (this._ended && this._pendingChunks.length === 0) return null;
    const stream = new ReadableStream({
      start: (controller) => {
        this._readController = controller;
        for (const chunk of this._pendingChunks) controller.enqueue(chunk);
        this._pendingChunks = [];
        if (this._ended) {
          controller.close();
          this._readController = null;
        }
      },
      cancel: () => {
        // Web Serial: a cancelled readable is dropped; the port stays open
        // and the next access to `readable` makes a fresh stream.
        if (this._readable === stream) {
          this._readable = null;
          this._readController = null;
        }
      },
    });
    this._readable = stream;
    return stream;
  }

  get writable() {
    if (!this._socket) return null;
    if (this._writable) return this._writable;
    const socket = this._socket;
    const stream = new WritableStream({
      write: (chunk) =>
        new Promise((resolve, reject) => {
          if (socket.destroyed) {
            reject(domError("NetworkError", "the connection is closed"));
            return;
          }
          socket.write(chunk, (err) => (err ? reject(domError("NetworkError", err.message)) : resolve()));
        }),
      // Closing the writable (Transport.flushOutput) only drops this stream,
      // like Web Serial; the port stays open.
      close: () => {
        if (this._writable === stream) this._writable = null;
      },
      abort: () => {
        if (this._writable === stream) this._writable = null;
      },
    });
    this._writable = stream;
    return stream;
  }

  async setSignals(signals) {
    if (!this._socket) {
      throw domError("InvalidStateError", "The port is not open.");
    }
    this.signalLog.push({ ...signals });
  }

  async setBaudRate(baudRate) {
    if (!this._socket) {
      throw domError("InvalidStateError", "The port is not open.");
    }
    this.baudRate = baudRate;
    this.baudLog.push(baudRate);
  }

  async close() {
    if (!this._socket) return;
    if (this._readable?.locked || this._writable?.locked) {
      throw domError("InvalidStateError", "Cannot close a port with locked streams.");
    }
    const socket = this._socket;
    this._socket = null;
    try {
      await this._readable?.cancel();
    } catch {
      // already closed
    }
    this._readable = null;
    this._readController = null;
    this._writable = null;
    this._pendingChunks = [];
    await new Promise((resolve) => {
      if (socket.destroyed) {
        resolve();
        return;
      }
      socket.once("close", resolve);
      socket.end();
      // A peer that never answers the FIN must not keep the test waiting.
      setTimeout(() => socket.destroy(), 500).unref();
    });
  }

  /** Hard stop for cleanup after a failure: no waiting for stream locks. */
  destroy() {
    const socket = this._socket;
    this._socket = null;
    this._onEnd(null);
    this._readable = null;
    this._writable = null;
    socket?.destroy();
  }
}
