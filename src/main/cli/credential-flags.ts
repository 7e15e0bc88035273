/**
 * `--ssh-key-file` and `--domain`: explicit Encord credentials on the command line (the key file's
 * path, never key text: a flag's value shows in `ps`). Unset, the environment's are used.
 */
import type { Command } from 'commander';
import type { EncordCredentialsOption } from '../../shared/types.js';

export function addCredentialFlags(cmd: Command): Command {
  return cmd
    .option('--ssh-key-file <FILE>', 'Encord: private key file to sign with (default ENCORD_SSH_KEY / ENCORD_SSH_KEY_FILE)')
    .option('--domain <URL>', 'Encord: API domain (default ENCORD_DOMAIN, else https://api.encord.com)');
}

export function credentialsFrom(opts: { sshKeyFile?: unknown; domain?: unknown }): EncordCredentialsOption | undefined {
  const sshKeyFile = typeof opts.sshKeyFile === 'string' ? opts.sshKeyFile : undefined;
  const domain = typeof opts.domain === 'string' ? opts.domain : undefined;
  if (sshKeyFile === undefined && domain === undefined) return undefined;
  return { ...(sshKeyFile !== undefined && { sshKeyFile }), ...(domain !== undefined && { domain }) };
}

/** Parsed flags with `--ssh-key-file` and `--domain` folded into `credentials`: run options, as the run takes them. */
export function foldCredentialFlags<T extends { sshKeyFile?: unknown; domain?: unknown }>(
  opts: T,
): Omit<T, 'sshKeyFile' | 'domain'> & { credentials?: EncordCredentialsOption } {
  const { sshKeyFile: _file, domain: _domain, ...rest } = opts;
  const credentials = credentialsFrom(opts);
  return { ...rest, ...(credentials && { credentials }) };
}
