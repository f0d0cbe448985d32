/**
 * The demo catalog: seed data, written into an empty `products` table at the first start of a
 * new database (lib/catalog seedCatalog) and never again. From then on the merchant edits the
 * catalog in the merchant area; this file is not read.
 */
/** What a product says of itself, in the seed catalog and on every page (ProductView, lib/catalog). */
export interface ProductBasics {
  slug: string;
  name: string;
  description: string;
  priceCents: number;
  /** Its picture's URL: a file in public/ (the seed's SVGs) or an upload the shop serves. */
  image: string;
  /** Physical goods ship (the checkout asks for an address); digital ones do not. */
  ships: boolean;
}

export interface CatalogProduct extends ProductBasics {
  /** Pieces in stock; omitted: not tracked. */
  stock?: number;
  /** Digital goods: the small text file the demo delivers (made in code, no binaries in the repo). */
  download?: { name: string; text: string };
}

/** A demo download's text: what a real file would hold, in a few lines. */
const demoFile = (title: string, body: string) => `${title}\n${"=".repeat(title.length)}\n\n${body}\n\nA demo file from the PayRam storefront's seed catalog.\n`;

export const CATALOG: readonly CatalogProduct[] = [
  {
    slug: "aurora-desk-lamp",
    name: "Aurora Desk Lamp",
    description:
      "A warm, dimmable LED lamp on a solid oak base. The brushed-aluminium arm folds flat, and the light never flickers on camera.",
    priceCents: 8900,
    image: "/images/products/aurora-desk-lamp.svg",
    ships: true,
  },
  {
    slug: "ceramic-pour-over",
    name: "Ceramic Pour-Over Set",
    description:
      "A hand-glazed dripper and a 600 ml carafe for two slow cups. Takes standard #2 filters; dishwasher safe.",
    priceCents: 4250,
    image: "/images/products/ceramic-pour-over.svg",
    ships: true,
  },
  {
    slug: "merino-beanie",
    name: "Merino Beanie",
    description: "Soft, itch-free merino wool in a ribbed knit. Warm on cold mornings, cool enough for the train.",
    priceCents: 2999,
    image: "/images/products/merino-beanie.svg",
    ships: true,
  },
  {
    slug: "waxed-canvas-tote",
    name: "Waxed Canvas Tote",
    description:
      "A weatherproof tote with leather handles, an inner laptop sleeve and a key clip. Gets better with every scuff.",
    priceCents: 6400,
    image: "/images/products/waxed-canvas-tote.svg",
    ships: true,
  },
  {
    slug: "dot-grid-notebooks",
    name: "Dot-Grid Notebook Trio",
    description: "Three lay-flat A5 notebooks with 120 gsm paper that takes fountain pens without bleeding.",
    priceCents: 1875,
    image: "/images/products/dot-grid-notebooks.svg",
    ships: true,
  },
  {
    slug: "brass-keyring",
    name: "Solid Brass Keyring",
    description: "A machined brass ring with a quick-release clip. Develops a warm patina over the years.",
    priceCents: 1200,
    image: "/images/products/brass-keyring.svg",
    ships: true,
  },
  {
    slug: "self-custody-field-guide",
    name: "The Self-Custody Field Guide",
    description:
      "An e-book (PDF and EPUB) on keeping your own keys: wallets, backups, inheritance and the mistakes that cost money.",
    priceCents: 1499,
    image: "/images/products/self-custody-field-guide.svg",
    ships: false,
    download: { name: "self-custody-field-guide.txt", text: demoFile("The Self-Custody Field Guide", "Chapter 1: your keys, your coins. Write the seed phrase on paper, twice, and keep the copies apart.") },
  },
  {
    slug: "lofi-sound-pack",
    name: "Lo-Fi Sound Pack",
    description: "120 royalty-free loops and one-shots in WAV, recorded on tape. Delivered as a download link.",
    priceCents: 949,
    image: "/images/products/lofi-sound-pack.svg",
    ships: false,
    download: { name: "lofi-sound-pack-readme.txt", text: demoFile("Lo-Fi Sound Pack", "120 loops and one-shots at 90 BPM, recorded on tape. Royalty-free for any project.") },
  },
  {
    slug: "golden-hour-presets",
    name: "Golden Hour Photo Presets",
    description: "Twelve presets for Lightroom and Capture One that keep skin tones true in low evening light.",
    priceCents: 2400,
    image: "/images/products/golden-hour-presets.svg",
    ships: false,
    download: { name: "golden-hour-presets-readme.txt", text: demoFile("Golden Hour Photo Presets", "Twelve presets for Lightroom and Capture One. Import them, then start from Golden 01.") },
  },
  {
    slug: "crypto-checkout-workshop",
    name: "Workshop: Accepting Crypto",
    description:
      "A two-hour live online workshop for shop owners: self-hosted gateways, settlement, refunds and bookkeeping.",
    priceCents: 4900,
    image: "/images/products/crypto-checkout-workshop.svg",
    ships: false,
    download: { name: "crypto-checkout-workshop-ticket.txt", text: demoFile("Workshop: Accepting Crypto", "Your ticket. The joining link arrives by email the day before the workshop.") },
  },
];
