/**
 * A throwaway PKI for tests of TLS (`openssl` must be installed: Debian's `openssl`): a CA, a server
 * certificate for 127.0.0.1 and a client certificate, both signed by the CA, valid for two days, as
 * PEM files in `dir`.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The openssl binary the tests use. */
export const OPENSSL = '/usr/bin/openssl';

/** Paths of the PEM files {@link makeTestPki} wrote. */
export interface TestPki {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A certificate and key signed by no CA the server trusts (self-signed). */
  strangerCert: string;
  strangerKey: string;
}

/** Writes a CA, a server certificate (IP 127.0.0.1), a client certificate and a self-signed one into `dir`. */
export function makeTestPki(dir: string): TestPki {
  const ssl = (args: string[]) => execFileSync(OPENSSL, args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) => ssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name]);
  key('ca.key');
  ssl(['req', '-x509', '-new', '-key', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=kad test CA']);
  const signed = (name: string, cn: string, ext: string) => {
    key(`${name}.key`);
    ssl(['req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
  };
  signed('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  signed('client', 'kad', 'extendedKeyUsage=clientAuth\n');
  key('stranger.key');
  ssl(['req', '-x509', '-new', '-key', 'stranger.key', '-out', 'stranger.pem', '-days', '2', '-subj', '/CN=stranger']);
  const at = (f: string) => join(dir, f);
  return {
    ca: at('ca.pem'), serverCert: at('server.pem'), serverKey: at('server.key'), clientCert: at('client.pem'), clientKey: at('client.key'),
    strangerCert: at('stranger.pem'), strangerKey: at('stranger.key'),
  };
}
