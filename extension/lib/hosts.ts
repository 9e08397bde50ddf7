/**
 * Admin pages the overlay appears on, per shop platform, in one place. Each entry says where
 * the overlay anchors. Matching is by URL; selectors are tested against saved HTML fixtures.
 */
export type HostProfile = { name: string; matches: string[]; anchor: string };

export const HOSTS: readonly HostProfile[] = [
  // The demo shop's back office (stands in for WooCommerce's wp-admin).
  { name: 'demo-shop', matches: ['http://localhost/admin/*', 'http://127.0.0.1/admin/*'], anchor: 'body' },
];

export const OVERLAY_MATCHES = HOSTS.flatMap((h) => h.matches);
