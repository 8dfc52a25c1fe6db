import { badRequest, type Problem } from './problem.js';

/**
 * What every service refuses before its routes see a request: a target that is not a plain path
 * (absolute form, `*`), bytes outside visible ASCII, or percent-escapes that do not decode. Such a
 * request is a client bug or a probe; it gets a 400 problem rather than a 500 from deep inside.
 */
export function checkRequestTarget(url: string): Problem | undefined {
  if (!url.startsWith('/')) return malformedUrl('the request target must be a path starting with /');
  if (!/^[\x21-\x7e]*$/.test(url)) return malformedUrl('the request target may hold only visible ASCII characters');
  try {
    decodeURIComponent(url);
  } catch {
    return malformedUrl('the request target holds a percent-escape that does not decode');
  }
  return undefined;
}

const UNRESERVED_SEGMENT = /^[A-Za-z0-9._~-]+$/;

/**
 * The one spelling of a path the edge forwards, or a 400 problem. Each segment is percent-decoded and
 * must then be plain unreserved characters (RFC 3986), which every public route is made of; so no
 * backslash, `;` parameter, encoded slash or encoded anything survives, and neither `.`, `..` nor an
 * empty segment (`//`) is accepted. What is forwarded is therefore exactly the path the edge matched
 * its allow-list against: no later parser (undici's URL resolution, a service's router) can read it
 * as another path.
 */
export function canonicalPath(url: string): string | Problem {
  const invalid = checkRequestTarget(url);
  if (invalid !== undefined) return invalid;
  const rawPath = url.split('?', 1)[0] ?? '/';
  if (rawPath === '/') return '/';
  const segments = rawPath.slice(1).split('/').map((segment) => decodeURIComponent(segment));
  for (const segment of segments) {
    if (segment === '' ) return malformedUrl('the path has an empty segment');
    if (segment === '.' || segment === '..') return malformedUrl('the path has a dot segment');
    if (!UNRESERVED_SEGMENT.test(segment)) return malformedUrl('a path segment holds a character no route has (such as \\, ;, % or an encoded /)');
  }
  return `/${segments.join('/')}`;
}

function malformedUrl(detail: string): Problem {
  return badRequest('request.malformed_url', `Malformed URL: ${detail}.`);
}
