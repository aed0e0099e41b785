// A small HTTP server on 127.0.0.1 that hands each request with its whole body to a handler.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface Listening {
  url: string;
  close(): Promise<void>;
}

export async function listen(
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<Listening> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
