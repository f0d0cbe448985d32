/**
 * What PayRam pays out on (contract §9), for the refund forms and their schemas. Which token is
 * offered on which network is PayRam's ticker's to say; the refund checks it there.
 */
export const PAYOUT_NETWORKS = ["ETH", "BASE", "POLYGON", "TRX"] as const;
export type PayoutNetwork = (typeof PAYOUT_NETWORKS)[number];

export const NETWORK_NAMES: Record<PayoutNetwork, string> = { ETH: "Ethereum", BASE: "Base", POLYGON: "Polygon", TRX: "TRON" };

export const PAYOUT_TOKENS = ["USDC", "USDT", "ETH", "POL", "TRX"] as const;
