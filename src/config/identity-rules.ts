import { ConfigError } from '../core/errors.js';
import type { IdentityRule } from '../core/identity.js';
import { oneLine } from '../core/text.js';

/** `tar_images/api-*.tar=shop/api` → a rule; anything else is one line naming the item. */
export function identityRules(items: string[], label: string): IdentityRule[] {
  return items.map((item) => {
    const at = item.lastIndexOf('=');
    const pattern = item.slice(0, at).trim();
    const identity = item.slice(at + 1).trim();
    if (at <= 0 || pattern === '' || identity === '' || oneLine(identity) !== identity) {
      throw new ConfigError(`${label}: '${item}' is not PATTERN=IDENTITY (e.g. tar_images/api-*.tar=shop/api)`);
    }
    return { pattern, identity };
  });
}
