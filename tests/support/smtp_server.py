#!/usr/bin/python3
"""A real SMTP server on loopback for the mail tests (Debian's python3-aiosmtpd).

Listens on 127.0.0.1 at an ephemeral port, written to --port-file once it accepts. Each message
received is written to --maildir as <n>.eml (the bytes of DATA, written whole then renamed).
Options: --tls-dir DIR generates a self-signed certificate for 127.0.0.1 there with openssl
(cert.pem, the client's CA file) and requires STARTTLS; --user/--password require AUTH
(PLAIN or LOGIN); --tempfail ADDR=N answers 451 to the first N RCPTs for ADDR; --reject ADDR
answers 550 to every RCPT for ADDR. Exits when its standard input closes (the test died) or on
SIGTERM.
"""
import argparse
import asyncio
import os
import signal
import ssl
import subprocess
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, maildir, tempfail, reject):
        self.maildir = maildir
        self.tempfail = dict(tempfail)
        self.reject = set(reject)
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 5.1.1 No such user here"
        if self.tempfail.get(address, 0) > 0:
            self.tempfail[address] -= 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = os.path.join(self.maildir, "%d.eml" % self.count)
        with open(name + ".tmp", "wb") as f:
            f.write(b"X-Envelope-From: " + envelope.mail_from.encode() + b"\r\n")
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(b"X-Tls: " + (b"yes" if session.ssl else b"no") + b"\r\n")
            f.write(b"X-Authenticated: " + (b"yes" if session.authenticated else b"no") + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(name + ".tmp", name)
        return "250 Message accepted for delivery"


def make_tls(tls_dir):
    cert = os.path.join(tls_dir, "cert.pem")
    key = os.path.join(tls_dir, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--tls-dir")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--tempfail", action="append", default=[])
    parser.add_argument("--reject", action="append", default=[])
    args = parser.parse_args()

    tempfail = []
    for item in args.tempfail:
        address, _, times = item.rpartition("=")
        tempfail.append((address, int(times)))
    handler = Handler(args.maildir, tempfail, args.reject)
    tls = make_tls(args.tls_dir) if args.tls_dir else None

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == args.user.encode()
              and auth_data.password == args.password.encode())
        # handled=False: aiosmtpd then answers 535 itself (with the default it answers nothing).
        return AuthResult(success=ok, handled=False)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        kwargs = {"hostname": "smtp.test", "tls_context": tls, "require_starttls": tls is not None}
        if args.user:
            kwargs.update(authenticator=authenticate, auth_required=True,
                          auth_require_tls=tls is not None)
        return SMTP(handler, **kwargs)

    server = loop.run_until_complete(loop.create_server(factory, host="127.0.0.1", port=0))
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(args.port_file + ".tmp", args.port_file)

    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_reader(sys.stdin.fileno(), lambda: loop.stop() if not os.read(0, 4096) else None)
    loop.run_forever()
    server.close()


if __name__ == "__main__":
    main()
