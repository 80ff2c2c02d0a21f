// A stand-in for the Emporium API (docs/API.md), in memory, for working on the
// storefront without the Rust backend: `node dev/mock-api.mjs` listens on
// 127.0.0.1:${MOCK_API_PORT:-8080}. It is a development aid only; the e2e suite
// always runs against the real backend.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";

const port = Number(process.env.MOCK_API_PORT ?? 8080);
const STEP_MS = Number(process.env.MOCK_STEP_MS ?? 250);
const now = () => new Date().toISOString();
const usd = (amount_minor) => ({ amount_minor, currency: "USD" });

// In tree order (parents first), as GET /api/v1/categories answers.
const categories = [];
function addCategory(name, slug, parent = null) {
  const siblings = categories.filter((c) => c.parent_id === (parent?.id ?? null));
  const category = {
    id: randomUUID(), name, slug, parent_id: parent?.id ?? null, position: siblings.length,
    path: parent ? `${parent.path}/${slug}` : slug, depth: parent ? parent.depth + 1 : 0,
  };
  categories.push(category);
  return category;
}
const kitchen = addCategory("Kitchen", "kitchen");
addCategory("Tableware", "tableware", kitchen);
addCategory("Home", "home");
addCategory("Outdoors", "outdoors");
addCategory("Stationery", "stationery");
const names = [
  "Stoneware Mug", "Linen Tea Towel", "Cast Iron Skillet", "Bamboo Cutting Board", "Pour-Over Coffee Set",
  "Wool Throw Blanket", "Ceramic Vase", "Scented Candle", "Cotton Cushion Cover", "Brass Desk Lamp",
  "Trail Water Bottle", "Camping Lantern", "Packable Rain Jacket", "Hiking Socks", "Folding Stool",
  "Dot Grid Notebook", "Fountain Pen", "Desk Organizer", "Washi Tape Set", "Leather Journal",
];
const products = names.map((name, i) => ({
  id: randomUUID(),
  sku: `SKU-${String(i + 1).padStart(3, "0")}`,
  name,
  slug: name.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
  status: "active",
  attributes: [],
  description: `${name}: well made, fairly priced and built to last. A demo product from the mock API.`,
  category_id: categories[i % categories.length].id,
  price: usd(900 + ((i * 737) % 9000)),
  weight_grams: 200 + ((i * 97) % 1800),
  available: i === 3 ? 3 : i === 7 ? 0 : 40 + i,
  created_at: now(),
}));
const stockStatus = (p) => (p.available <= 0 ? "out_of_stock" : p.available <= 5 ? "low_stock" : "in_stock");
// The mock keeps no pictures: every product shows its drawn tile.
const viewProduct = (p) => ({ ...p, stock_status: stockStatus(p), images: [] });

const users = new Map(); // email -> user
const tokens = new Map(); // token -> user
const methods = new Map(); // id -> { method, card, owner }
const orders = new Map(); // id -> order
const shipments = new Map();
const idempotency = new Map();
function addUser(email, password, name, role) {
  const user = { id: randomUUID(), email, name, role, password };
  users.set(email, user);
  return user;
}
addUser("admin@emporium.local", "admin-password-1", "Admin", "admin");
addUser("customer@emporium.local", "customer-password-1", "Demo Customer", "customer");

const publicUser = (u) => ({ id: u.id, email: u.email, name: u.name, role: u.role });
function session(user) {
  const token = randomUUID();
  tokens.set(token, user);
  return { access_token: token, token_type: "Bearer", expires_in: 3600, user: publicUser(user) };
}

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
function problem(res, status, detail, errors) {
  res.writeHead(status, { "content-type": "application/problem+json" });
  res.end(JSON.stringify({ type: "about:blank", title: "Problem", status, detail, ...(errors ? { errors } : {}) }));
}
const zoneOf = (country) =>
  country === "US" ? "domestic"
  : "AT BE DE DK ES FI FR GB IE IT NL NO PL PT SE CH".split(" ").includes(country) ? "europe"
  : "CA MX AU NZ JP".split(" ").includes(country) ? "international" : null;
// A flat rate card per zone (the real one also prices by weight band); Standard is free from $100 of items.
const RATES = { domestic: [500, 1500, 3, 5, 1, 2], europe: [1500, 3500, 5, 10, 2, 4], international: [2500, 5000, 7, 14, 3, 6] };
function shippingOptions(country, itemsMinor) {
  const zone = zoneOf(country);
  if (!zone) return [];
  const [standard, express, ...days] = RATES[zone];
  const free = itemsMinor >= 10000;
  return [
    { service: "standard", zone, price: usd(free ? 0 : standard), free, min_days: days[0], max_days: days[1] },
    { service: "express", zone, price: usd(express), free: false, min_days: days[2], max_days: days[3] },
  ];
}

function step(order, name, status) {
  const s = order.saga.steps.find((x) => x.name === name);
  s.status = status;
  order.updated_at = now();
}
function cancel(order, code, message) {
  order.status = "cancelled";
  order.cancellation = { code, message };
  order.saga.status = "compensated";
  order.updated_at = now();
}
function runSaga(order, card) {
  const later = (fn, n = 1) => setTimeout(fn, STEP_MS * n);
  step(order, "reserve_inventory", "in_progress");
  later(() => {
    const short = order.lines.some((l) => products.find((p) => p.id === l.product_id).available < l.quantity);
    if (short) {
      step(order, "reserve_inventory", "failed");
      return cancel(order, "out_of_stock", "not enough stock");
    }
    for (const l of order.lines) products.find((p) => p.id === l.product_id).available -= l.quantity;
    const release = () => {
      for (const l of order.lines) products.find((p) => p.id === l.product_id).available += l.quantity;
      step(order, "reserve_inventory", "compensated");
    };
    step(order, "reserve_inventory", "succeeded");
    step(order, "process_payment", "in_progress");
    later(() => {
      order.payment_id = randomUUID();
      if (card !== "4242424242424242") {
        step(order, "process_payment", "failed");
        release();
        return cancel(order, "payment_declined", "card declined");
      }
      step(order, "process_payment", "succeeded");
      step(order, "confirm_order", "succeeded");
      order.status = "confirmed";
      step(order, "create_shipment", "in_progress");
      later(() => {
        const zone = zoneOf(order.shipping_address.country);
        if (!zone) {
          step(order, "create_shipment", "failed");
          step(order, "process_payment", "compensated");
          release();
          return cancel(order, "shipping_unavailable", "no zone");
        }
        const shipment = { id: randomUUID(), order_id: order.id, status: "created", zone, service: order.shipping.service, cost: usd(zone === "domestic" ? 500 : 1500), destination: order.shipping_address, created_at: now(), carrier: null, tracking_number: null, journey: [{ status: "created", location: null, at: now() }] };
        shipments.set(shipment.id, shipment);
        order.shipment_id = shipment.id;
        step(order, "create_shipment", "succeeded");
        step(order, "complete_order", "succeeded");
        order.status = "completed";
        order.saga.status = "completed";
      });
    });
  });
}

// --- Catalog search: a plain stand-in for the backend's index (no typo tolerance) -------------

const PRICE_BANDS = [0, 1_000, 2_500, 5_000, 10_000, 25_000];
const below = (category) => new Set(categories.filter((c) => c.path === category.path || c.path.startsWith(`${category.path}/`)).map((c) => c.id));
const wordsOf = (text) => text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
/** Every word found in the name, the last one possibly only begun. */
function matchesWords(product, words) {
  const own = wordsOf(`${product.name} ${product.description}`);
  return words.every((w, i) => own.some((o) => (i === words.length - 1 ? o.startsWith(w) : o === w)));
}
function search(url, res) {
  const q = url.searchParams;
  const words = wordsOf(q.get("q") ?? "");
  const category = q.get("category") ? categories.find((c) => c.id === q.get("category")) : null;
  if (q.get("category") && !/^[0-9a-f-]{36}$/i.test(q.get("category"))) return problem(res, 400, "category: UUID parsing failed");
  const min = q.get("price_min") === null ? null : Number(q.get("price_min"));
  const max = q.get("price_max") === null ? null : Number(q.get("price_max"));
  if (min !== null && max !== null && min > max) return problem(res, 422, "price_max must not be below price_min", [{ field: "price_max", message: "must not be below price_min" }]);
  const sort = q.get("sort") ?? "relevance";
  const filters = {
    category: (p) => !q.get("category") || (category !== undefined && category !== null && below(category).has(p.category_id)),
    price: (p) => (min === null || p.price.amount_minor >= min) && (max === null || p.price.amount_minor <= max),
    stock: (p) => q.get("in_stock") !== "true" || p.available > 0,
  };
  const matching = (except) => products.filter((p) => matchesWords(p, words) && Object.entries(filters).every(([k, f]) => k === except || f(p)));
  const orders = {
    relevance: () => 0,
    price_asc: (a, b) => a.price.amount_minor - b.price.amount_minor,
    price_desc: (a, b) => b.price.amount_minor - a.price.amount_minor,
    newest: (a, b) => b.created_at.localeCompare(a.created_at),
    name: (a, b) => a.name.localeCompare(b.name),
  };
  if (!orders[sort]) return problem(res, 400, `sort: unknown variant \`${sort}\``);
  const all = matching(null).sort(orders[sort]).map(viewProduct);
  const byCategory = matching("category");
  const byPrice = matching("price");
  const byStock = matching("stock");
  const facets = {
    categories: categories
      .map((c) => ({ id: c.id, name: c.name, path: c.path, depth: c.depth, count: byCategory.filter((p) => below(c).has(p.category_id)).length }))
      .filter((c) => c.count > 0),
    price_bands: PRICE_BANDS.map((low, i) => {
      const high = PRICE_BANDS[i + 1] ?? null;
      const count = byPrice.filter((p) => p.price.amount_minor >= low && (high === null || p.price.amount_minor < high)).length;
      return { min_minor: low, max_minor: high, count };
    }),
    availability: { in_stock: byStock.filter((p) => p.available > 0).length, out_of_stock: byStock.filter((p) => p.available <= 0).length },
  };
  return send(res, 200, { ...page(all, url), total: all.length, facets });
}
function suggest(url, res) {
  const words = wordsOf(url.searchParams.get("q") ?? "");
  if (!words.length) return send(res, 200, { products: [], categories: [] });
  return send(res, 200, {
    products: products.filter((p) => matchesWords(p, words)).slice(0, 8).map(({ id, name, slug }) => ({ id, name, slug })),
    categories: categories.filter((c) => wordsOf(c.name).some((w) => words.some((typed) => w.startsWith(typed)))),
  });
}

function page(items, url) {
  const limit = Math.min(100, Math.max(1, Number(url.searchParams.get("limit") ?? 20)));
  const start = Number(url.searchParams.get("cursor") ?? 0);
  const slice = items.slice(start, start + limit);
  return { items: slice, next_cursor: start + limit < items.length ? String(start + limit) : null };
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, "http://localhost");
  const chunks = [];
  for await (const c of req) chunks.push(c);
  let body = {};
  try { body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {}; } catch { return problem(res, 400, "malformed JSON"); }
  const user = tokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
  const p = url.pathname;
  const m = (re) => p.match(re);
  const needUser = () => { if (!user) { problem(res, 401, "missing or invalid token"); return false; } return true; };

  if (p === "/healthz" || p === "/readyz") return send(res, 200, { status: "ok" });
  if (req.method === "POST" && p === "/api/v1/auth/register") {
    if (!body.email?.includes("@")) return problem(res, 422, "email is invalid", [{ field: "email", message: "is invalid" }]);
    if ((body.password ?? "").length < 8) return problem(res, 422, "password must be at least 8 characters", [{ field: "password", message: "must be at least 8 characters" }]);
    if (users.has(body.email)) return problem(res, 409, "email is already registered");
    return send(res, 201, session(addUser(body.email, body.password, body.name, "customer")));
  }
  if (req.method === "POST" && p === "/api/v1/auth/login") {
    const u = users.get(body.email);
    if (!u || u.password !== body.password) return problem(res, 401, "wrong email or password");
    return send(res, 200, session(u));
  }
  if (p === "/api/v1/me") return needUser() && send(res, 200, publicUser(user));
  if (p === "/api/v1/categories") return send(res, 200, { items: categories });
  if (p === "/api/v1/products") return search(url, res);
  if (p === "/api/v1/products/suggestions") return suggest(url, res);
  let hit;
  if ((hit = m(/^\/api\/v1\/products\/([^/]+)$/))) {
    const prod = products.find((x) => x.id === hit[1]);
    return prod ? send(res, 200, viewProduct(prod)) : problem(res, 404, "product not found");
  }
  if ((hit = m(/^\/api\/v1\/inventory\/([^/]+)\/adjustments$/)) && req.method === "POST") {
    if (!needUser()) return;
    if (user.role !== "admin") return problem(res, 403, "admins only");
    const prod = products.find((x) => x.id === hit[1]);
    if (!prod) return problem(res, 404, "product not found");
    prod.available += body.delta;
    return send(res, 200, { product_id: prod.id, on_hand: prod.available, reserved: 0, unavailable: 0, available: prod.available, low_stock_threshold: 5 });
  }
  if (p === "/api/v1/shipping/quotes" && req.method === "POST") {
    let weight = 0;
    let value = 0;
    for (const [i, l] of (body.lines ?? []).entries()) {
      const prod = products.find((x) => x.id === l.product_id);
      if (!prod) return problem(res, 422, "the request has invalid fields", [{ field: `lines[${i}].product_id`, message: "no such product" }]);
      weight += prod.weight_grams * l.quantity;
      value += prod.price.amount_minor * l.quantity;
    }
    const options = shippingOptions(String(body.country ?? "").toUpperCase(), value);
    if (!options.length) {
      res.writeHead(422, { "content-type": "application/problem+json" });
      return res.end(JSON.stringify({ type: "about:blank", title: "Rejected", status: 422, detail: `We do not ship this cart to ${body.country}.`, code: "shipping_unavailable" }));
    }
    return send(res, 200, { weight_grams: weight, items_value: usd(value), options });
  }
  if (p === "/api/v1/payment-methods" && req.method === "POST") {
    if (!needUser()) return;
    const digits = String(body.card_number ?? "");
    if (!/^\d{12,19}$/.test(digits)) return problem(res, 422, "card number is invalid", [{ field: "card_number", message: "is invalid" }]);
    const first = ![...methods.values()].some((m) => m.owner === user.id);
    const method = { id: randomUUID(), brand: digits.startsWith("4") ? "visa" : "card", last4: digits.slice(-4), exp_month: body.exp_month, exp_year: body.exp_year, holder_name: body.holder_name, created_at: now(), is_default: first };
    methods.set(method.id, { method, card: digits, owner: user.id });
    return send(res, 201, method);
  }
  if (p === "/api/v1/payment-methods" && req.method === "GET") {
    if (!needUser()) return;
    return send(res, 200, { items: [...methods.values()].filter((m) => m.owner === user.id).map((m) => m.method) });
  }
  const savedCard = p.match(/^\/api\/v1\/payment-methods\/([^/]+)(\/default)?$/);
  if (savedCard) {
    if (!needUser()) return;
    const mine = [...methods.values()].filter((m) => m.owner === user.id);
    const card = mine.find((m) => m.method.id === savedCard[1]);
    if (req.method === "DELETE" && !savedCard[2]) {
      if (card) {
        methods.delete(card.method.id);
        const rest = mine.filter((m) => m !== card);
        if (card.method.is_default && rest.length) rest[rest.length - 1].method.is_default = true;
      }
      res.writeHead(204);
      return res.end();
    }
    if (req.method === "POST" && savedCard[2]) {
      if (!card) return problem(res, 404, `no saved card ${savedCard[1]}`);
      for (const m of mine) m.method.is_default = m === card;
      return send(res, 200, card.method);
    }
  }
  if (p === "/api/v1/orders" && req.method === "POST") {
    if (!needUser()) return;
    const key = req.headers["idempotency-key"];
    if (key && idempotency.has(`${user.id}:${key}`)) return send(res, 202, orders.get(idempotency.get(`${user.id}:${key}`)));
    const pm = methods.get(body.payment_method_id);
    if (!pm || pm.owner !== user.id) return problem(res, 422, "payment method is invalid", [{ field: "payment_method_id", message: "is invalid" }]);
    const lines = [];
    for (const [i, l] of (body.lines ?? []).entries()) {
      const prod = products.find((x) => x.id === l.product_id);
      if (!prod) return problem(res, 422, "unknown product", [{ field: `lines[${i}].product_id`, message: "is unknown" }]);
      if (!(l.quantity >= 1 && l.quantity <= 100)) return problem(res, 422, "quantity must be between 1 and 100", [{ field: `lines[${i}].quantity`, message: "must be between 1 and 100" }]);
      lines.push({ product_id: prod.id, name: prod.name, unit_price: prod.price, quantity: l.quantity, line_total: usd(prod.price.amount_minor * l.quantity) });
    }
    if (!lines.length) return problem(res, 422, "an order needs at least one line");
    const subtotal = lines.reduce((n, l) => n + l.line_total.amount_minor, 0);
    const service = body.shipping_service ?? "standard";
    const offered = shippingOptions(body.shipping_address?.country, subtotal);
    const shipping = offered.find((o) => o.service === service) ?? null;
    if (offered.length && !shipping) return problem(res, 422, "the request has invalid fields", [{ field: "shipping_service", message: `${service} shipping is not offered for this order` }]);
    const order = {
      id: randomUUID(), customer_id: user.id, status: "placed", lines,
      subtotal: usd(subtotal), shipping, total: usd(subtotal + (shipping?.price.amount_minor ?? 0)),
      shipping_address: body.shipping_address, payment_method_id: pm.method.id, payment_id: null, shipment_id: null,
      cancellation: null,
      cancellation_refused: null, cancellation_saga_id: null, refunded: usd(0), refunds: [],
      saga: { status: "running", steps: ["reserve_inventory", "process_payment", "confirm_order", "create_shipment", "complete_order"].map((name) => ({ name, status: "pending", detail: null })) },
      placed_at: now(), updated_at: now(),
    };
    orders.set(order.id, order);
    if (key) idempotency.set(`${user.id}:${key}`, order.id);
    send(res, 202, order);
    return runSaga(order, pm.card);
  }
  if (p === "/api/v1/orders") {
    if (!needUser()) return;
    const own = [...orders.values()].filter((o) => user.role === "admin" || o.customer_id === user.id).reverse();
    return send(res, 200, page(own, url));
  }
  if ((hit = m(/^\/api\/v1\/orders\/([^/]+)\/timeline$/))) {
    if (!needUser()) return;
    const order = orders.get(hit[1]);
    if (!order || (order.customer_id !== user.id && user.role !== "admin")) return problem(res, 404, "order not found");
    // Told from the saga's steps and the status, at the order's own times (the mock keeps no events).
    const done = (name) => order.saga.steps.some((s) => s.name === name && s.status === "succeeded");
    const moments = ["placed"];
    if (done("reserve_inventory")) moments.push("stock_reserved");
    if (done("process_payment")) moments.push("paid");
    if (done("confirm_order")) moments.push("confirmed");
    if (done("complete_order")) moments.push("completed");
    if (order.status === "delivered") moments.push("delivered");
    if (order.status === "cancelled") moments.push("cancelled");
    const at = (i) => (i === 0 ? order.placed_at : order.updated_at);
    const detail = (moment) => (moment === "cancelled" ? order.cancellation?.message ?? null : null);
    return send(res, 200, { items: moments.map((moment, i) => ({ moment, at: at(i), detail: detail(moment) })) });
  }
  if ((hit = m(/^\/api\/v1\/orders\/([^/]+)\/cancel$/)) && req.method === "POST") {
    if (!needUser()) return;
    const order = orders.get(hit[1]);
    if (!order || (order.customer_id !== user.id && user.role !== "admin")) return problem(res, 404, "order not found");
    if (order.status === "cancelling" || order.status === "cancelled") return send(res, 200, order);
    const shipment = shipments.get(order.shipment_id);
    if (order.status !== "completed" || order.cancellation_refused || shipment?.status !== "created") {
      return problem(res, 409, `order ${order.id} can no longer be cancelled`);
    }
    const reason = String(body.reason ?? "").trim();
    if ([...reason].length > 200) return problem(res, 422, "the request has invalid fields", [{ field: "reason", message: "must be at most 200 characters, without control characters" }]);
    const [code, fallback] = user.role === "admin" ? ["cancelled_by_admin", "Cancelled by the shop."] : ["cancelled_by_customer", "Cancelled at your request."];
    order.status = "cancelling";
    order.updated_at = now();
    send(res, 202, order);
    // The parcel is called back, the payment refunded and the stock released, then the order is cancelled.
    return setTimeout(() => {
      shipment.status = "cancelled";
      shipment.journey.push({ status: "cancelled", location: null, at: now() });
      for (const l of order.lines) products.find((x) => x.id === l.product_id).available += l.quantity;
      order.status = "cancelled";
      order.cancellation = { code, message: reason || fallback };
      order.updated_at = now();
    }, STEP_MS * 2);
  }
  if ((hit = m(/^\/api\/v1\/orders\/([^/]+)$/))) {
    if (!needUser()) return;
    const order = orders.get(hit[1]);
    if (!order || (order.customer_id !== user.id && user.role !== "admin")) return problem(res, 404, "order not found");
    return send(res, 200, order);
  }
  if ((hit = m(/^\/api\/v1\/shipments\/([^/]+)$/))) {
    if (!needUser()) return;
    const shipment = shipments.get(hit[1]);
    const order = shipment && orders.get(shipment.order_id);
    if (!shipment || (order.customer_id !== user.id && user.role !== "admin")) return problem(res, 404, "shipment not found");
    return send(res, 200, shipment);
  }
  return problem(res, 404, "no such route");
});

server.listen(port, "127.0.0.1", () => console.log(`mock Emporium API on http://127.0.0.1:${port}`));
