/**
 * Deterministic, in-memory seed data of the demo shop ("Linden & Loom", a small homeware store).
 * Everything here is plain data; lookups live in queries.ts, the WooCommerce JSON in woo.ts.
 *
 * Products 101–106, categories 15–17, customers 1–4, orders 1001–1010:
 *   customer 1: 1001, 1003, 1007, 1010 (newest: 1010)
 *   customer 2: 1002, 1005, 1009       (newest: 1009)
 *   customer 3: 1004, 1008             (newest: 1008)
 *   customer 4: no orders
 *   guest (customer_id 0): 1006
 */

export type OrderStatus = 'pending' | 'processing' | 'completed' | 'on-hold';
export const ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'processing', 'completed', 'on-hold'];

export interface Category {
  id: number;
  name: string;
  slug: string;
}

export interface Product {
  id: number;
  name: string;
  slug: string;
  /** Decimal string with two places, like WooCommerce: "49.00". */
  price: string;
  shortDescription: string;
  description: string;
  sku: string;
  categoryIds: number[];
  /** Colour used for the generated SVG image. */
  color: string;
  dateCreatedGmt: string;
}

export interface Address {
  first_name: string;
  last_name: string;
  company: string;
  address_1: string;
  address_2: string;
  city: string;
  state: string;
  postcode: string;
  country: string;
  phone: string;
}

export interface Customer {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
  username: string;
  address: Address;
  dateCreatedGmt: string;
  /** The `counterpart_vip` customer meta (Counterpart's default VIP rule reads it); absent: none. */
  vip?: number;
}

export interface LineItem {
  id: number;
  productId: number;
  quantity: number;
}

export interface Order {
  id: number;
  /** 0 for a guest order, like WooCommerce. */
  customerId: number;
  status: OrderStatus;
  /** GMT, WooCommerce style (no offset suffix). */
  dateCreatedGmt: string;
  lineItems: LineItem[];
  /** Guest orders carry their own billing details; customer orders copy the customer's. */
  guest?: { email: string; address: Address };
}

export const CURRENCY = 'EUR';
/** The shop's fixed offset from GMT in hours (date_created is local time). */
export const SHOP_UTC_OFFSET_HOURS = 1;
export const FLAT_SHIPPING = 4.9;
export const FREE_SHIPPING_FROM = 50;

export const categories: readonly Category[] = [
  { id: 15, name: 'Textiles', slug: 'textiles' },
  { id: 16, name: 'Kitchen', slug: 'kitchen' },
  { id: 17, name: 'Lighting', slug: 'lighting' },
];

export const products: readonly Product[] = [
  {
    id: 101,
    name: 'Linen Throw Blanket',
    slug: 'linen-throw-blanket',
    price: '89.00',
    shortDescription: 'Stonewashed European linen, soft from the first day. 130 × 170 cm.',
    description: 'Woven in Lithuania from long-staple flax and stonewashed for a lived-in feel. Machine washable at 40 °C.',
    sku: 'LL-TEX-001',
    categoryIds: [15],
    color: '#b9a58c',
    dateCreatedGmt: '2024-11-02T09:00:00',
  },
  {
    id: 102,
    name: 'Stoneware Mug Set',
    slug: 'stoneware-mug-set',
    price: '34.00',
    shortDescription: 'Four hand-glazed mugs, 300 ml each, in a speckled oat glaze.',
    description: 'Thrown and glazed in a small Portuguese workshop. Dishwasher and microwave safe.',
    sku: 'LL-KIT-002',
    categoryIds: [16],
    color: '#d8cfc0',
    dateCreatedGmt: '2024-11-02T09:10:00',
  },
  {
    id: 103,
    name: 'Oak Serving Board',
    slug: 'oak-serving-board',
    price: '49.00',
    shortDescription: 'Solid oak board with a juice groove, oiled with food-safe linseed.',
    description: 'Cut from one piece of FSC-certified European oak. 45 × 25 cm. Hand wash and re-oil now and then.',
    sku: 'LL-KIT-003',
    categoryIds: [16],
    color: '#a0703f',
    dateCreatedGmt: '2024-11-02T09:20:00',
  },
  {
    id: 104,
    name: 'Wool Floor Cushion',
    slug: 'wool-floor-cushion',
    price: '65.00',
    shortDescription: 'A generous 60 cm pouf in undyed wool, filled with natural kapok.',
    description: 'Hand-felted cover in undyed sheep wool with a removable cotton inner. Spot clean only.',
    sku: 'LL-TEX-004',
    categoryIds: [15],
    color: '#8a8f7a',
    dateCreatedGmt: '2024-11-02T09:30:00',
  },
  {
    id: 105,
    name: 'Ceramic Table Lamp',
    slug: 'ceramic-table-lamp',
    price: '129.00',
    shortDescription: 'Matte ceramic base with a pleated linen shade. E27, dimmable.',
    description: 'A warm, low lamp for sideboards and bedside tables. 42 cm tall; bulb not included.',
    sku: 'LL-LIG-005',
    categoryIds: [17],
    color: '#c96f4a',
    dateCreatedGmt: '2024-11-02T09:40:00',
  },
  {
    id: 106,
    name: 'Beeswax Candle Trio',
    slug: 'beeswax-candle-trio',
    price: '24.50',
    shortDescription: 'Three hand-dipped pure beeswax candles, 8 hours of clean burn each.',
    description: 'Dipped by hand from local beeswax with a cotton wick. Gently honey-scented.',
    sku: 'LL-LIG-006',
    categoryIds: [17],
    color: '#e0b84c',
    dateCreatedGmt: '2024-11-02T09:50:00',
  },
];

function address(a: Partial<Address> & Pick<Address, 'first_name' | 'last_name' | 'address_1' | 'city' | 'postcode' | 'country'>): Address {
  return {
    first_name: a.first_name,
    last_name: a.last_name,
    company: a.company ?? '',
    address_1: a.address_1,
    address_2: a.address_2 ?? '',
    city: a.city,
    state: a.state ?? '',
    postcode: a.postcode,
    country: a.country,
    phone: a.phone ?? '',
  };
}

export const customers: readonly Customer[] = [
  {
    id: 1,
    firstName: 'Anna',
    lastName: 'Schmidt',
    email: 'anna.schmidt@example.com',
    username: 'anna.schmidt',
    address: address({
      first_name: 'Anna', last_name: 'Schmidt', address_1: 'Lindenstraße 12', city: 'Berlin',
      state: 'BE', postcode: '10969', country: 'DE', phone: '+49 30 1234567',
    }),
    dateCreatedGmt: '2024-12-01T10:00:00',
    vip: 2,
  },
  {
    id: 2,
    firstName: 'Lucas',
    lastName: 'Martin',
    email: 'lucas.martin@example.com',
    username: 'lucas.martin',
    address: address({
      first_name: 'Lucas', last_name: 'Martin', company: 'Atelier Martin', address_1: '8 Rue Mercière',
      address_2: '2e étage', city: 'Lyon', postcode: '69002', country: 'FR', phone: '+33 4 72 00 00 00',
    }),
    dateCreatedGmt: '2024-12-15T14:30:00',
  },
  {
    id: 3,
    firstName: 'Sofia',
    lastName: 'Rossi',
    email: 'sofia.rossi@example.com',
    username: 'sofia.rossi',
    address: address({
      first_name: 'Sofia', last_name: 'Rossi', address_1: 'Via Tortona 27', city: 'Milano',
      state: 'MI', postcode: '20144', country: 'IT', phone: '+39 02 1234 5678',
    }),
    dateCreatedGmt: '2025-01-20T08:15:00',
  },
  {
    id: 4,
    firstName: 'Jan',
    lastName: 'de Vries',
    email: 'jan.devries@example.com',
    username: 'jan.devries',
    address: address({
      first_name: 'Jan', last_name: 'de Vries', address_1: 'Oudegracht 101', city: 'Utrecht',
      postcode: '3511 AD', country: 'NL', phone: '+31 30 123 4567',
    }),
    dateCreatedGmt: '2025-06-01T19:45:00',
  },
];

let nextItemId = 1;
function items(...pairs: Array<[productId: number, quantity: number]>): LineItem[] {
  return pairs.map(([productId, quantity]) => ({ id: nextItemId++, productId, quantity }));
}

export const orders: readonly Order[] = [
  { id: 1001, customerId: 1, status: 'completed', dateCreatedGmt: '2025-01-14T10:12:00', lineItems: items([103, 1], [106, 2]) },
  { id: 1002, customerId: 2, status: 'completed', dateCreatedGmt: '2025-02-03T16:40:00', lineItems: items([102, 1]) },
  { id: 1003, customerId: 1, status: 'completed', dateCreatedGmt: '2025-03-21T08:05:00', lineItems: items([101, 1]) },
  { id: 1004, customerId: 3, status: 'completed', dateCreatedGmt: '2025-04-11T12:00:00', lineItems: items([104, 2]) },
  { id: 1005, customerId: 2, status: 'on-hold', dateCreatedGmt: '2025-05-06T18:22:00', lineItems: items([105, 1]) },
  {
    id: 1006,
    customerId: 0,
    status: 'completed',
    dateCreatedGmt: '2025-05-30T07:48:00',
    lineItems: items([106, 1]),
    guest: {
      email: 'mia.keller@example.com',
      address: address({
        first_name: 'Mia', last_name: 'Keller', address_1: 'Seefeldstrasse 5', city: 'Zürich',
        state: 'ZH', postcode: '8008', country: 'CH', phone: '+41 44 000 00 00',
      }),
    },
  },
  { id: 1007, customerId: 1, status: 'completed', dateCreatedGmt: '2025-06-18T20:03:00', lineItems: items([102, 2], [106, 1]) },
  { id: 1008, customerId: 3, status: 'processing', dateCreatedGmt: '2025-07-02T11:30:00', lineItems: items([101, 1], [103, 1]) },
  { id: 1009, customerId: 2, status: 'pending', dateCreatedGmt: '2025-07-20T09:09:00', lineItems: items([104, 1]) },
  { id: 1010, customerId: 1, status: 'processing', dateCreatedGmt: '2025-08-05T14:30:00', lineItems: items([105, 1], [106, 1]) },
];
