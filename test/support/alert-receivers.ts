import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
}

/** A real HTTP endpoint standing in for Slack, a webhook consumer or PagerDuty: it records every POST. */
export interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** The status to answer with (default 200; PagerDuty answers 202). */
  status: number;
  /** Milliseconds to hold each answer. */
  delayMs: number;
  close(): Promise<void>;
}

export async function httpReceiver(status = 200): Promise<HttpReceiver> {
  const receiver = { requests: [] as ReceivedRequest[], status, delayMs: 0 } as HttpReceiver;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        json = null;
      }
      receiver.requests.push({ path: request.url ?? '/', headers: request.headers, body, json });
      const answer = () => {
        response.writeHead(receiver.status, { 'content-type': 'application/json' });
        response.end(receiver.status < 300 ? '{"status":"success"}' : '{"error":"receiver is down"}');
      };
      if (receiver.delayMs > 0) setTimeout(answer, receiver.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** A real SMTP server in this process; `mails` are the parsed messages it accepted. */
export interface SmtpReceiver {
  url: string;
  mails: ParsedMail[];
  close(): Promise<void>;
}

export async function smtpReceiver(): Promise<SmtpReceiver> {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onAuth: (auth, _session, callback) =>
      auth.username === 'alerts' && auth.password === 'smtp-secret-Xy9'
        ? callback(null, { user: auth.username })
        : callback(new Error('Invalid username or password')),
    onData: (stream, _session, callback) => {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://alerts:smtp-secret-Xy9@127.0.0.1:${port}`,
    mails,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
