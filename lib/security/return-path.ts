/** Resolved against this origin, a path that leaves it (`//host`, `/\host`) shows up as another origin. */
const HERE = "http://shop.invalid";

/**
 * Where sign-in may send the merchant back to: a path inside the merchant area, normalised first
 * (`..` and `.` resolved, `//host` read as another host) and returned as the browser will read it,
 * so that what was checked is what is redirected to. Anything else — another origin, a path out
 * of /admin, the sign-in page itself — is `/admin`.
 */
export function adminReturnPath(next: string): string {
  let url: URL;
  try {
    url = new URL(next, HERE);
  } catch {
    return "/admin";
  }
  const inArea = url.pathname === "/admin" || url.pathname.startsWith("/admin/");
  if (url.origin !== HERE || !inArea || url.pathname.startsWith("/admin/sign-in") || url.username || url.password) return "/admin";
  return `${url.pathname}${url.search}`;
}
