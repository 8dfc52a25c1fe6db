import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Whether the server closed the connection after this answer. */
  closed: boolean;
}

/**
 * One request written byte for byte to a socket: fetch and curl normalise paths (`\`, `..`, `%69`)
 * before sending, and the point here is what the server does with the spelling an attacker chose.
 */
export function sendRaw(url: string, head: string, options: { body?: string; localAddress?: string; timeoutMs?: number; observeClose?: boolean } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const body = options.body ?? '';
  const lines = head.trimEnd().split('\n').map((line) => line.trimEnd());
  const hasLength = lines.some((line) => /^content-length:/i.test(line));
  if (body !== '' && !hasLength) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  if (!lines.some((line) => /^host:/i.test(line))) lines.splice(1, 0, `Host: ${hostname}:${port}`);
  const request = `${lines.join('\r\n')}\r\n\r\n${body}`;
  const isHead = lines[0]?.startsWith('HEAD ') === true;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port), localAddress: options.localAddress });
    let data = Buffer.alloc(0);
    let parsed: RawResponse | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      if (parsed !== undefined) resolve(parsed);
      else reject(new Error(`no complete answer to ${lines[0]} within ${options.timeoutMs ?? 5000} ms`));
    }, options.timeoutMs ?? 5000);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      parsed ??= parseComplete(data, isHead);
      if (parsed === undefined) return;
      clearTimeout(timer);
      // With observeClose, wait a moment to see whether the server closes after a complete answer.
      setTimeout(() => { socket.destroy(); resolve(parsed!); }, options.observeClose === true ? 200 : 0);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      const answer = parsed ?? parseComplete(data, isHead, true);
      if (answer === undefined) reject(new Error(`connection closed without an answer to ${lines[0]}`));
      else resolve({ ...answer, closed: true });
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function parseComplete(data: Buffer, isHead: boolean, atEnd = false): RawResponse | undefined {
  const text = data.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  if (split === -1) return undefined;
  const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(statusLine?.split(' ')[1]);
  if (isHead || status === 204 || status === 304) return { status, headers, body: '', closed: false };
  const rest = data.subarray(Buffer.byteLength(text.slice(0, split + 4), 'latin1'));
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (length !== undefined && rest.length < length) return undefined;
  if (length === undefined && headers['transfer-encoding'] === 'chunked' && !rest.toString().endsWith('0\r\n\r\n')) return undefined;
  if (length === undefined && headers['transfer-encoding'] !== 'chunked' && !atEnd) return undefined;
  const body = headers['transfer-encoding'] === 'chunked' ? dechunk(rest.toString()) : rest.subarray(0, length).toString();
  return { status, headers, body, closed: false };
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (!(size > 0)) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}
