import { useTranslations } from "next-intl";
import { FieldError } from "./field-error";
import { NETWORK_NAMES, PAYOUT_NETWORKS, PAYOUT_TOKENS } from "@/lib/rules/payout-assets";

/** The network and token of a refund, as the shopper's "where should we send it" and the merchant's refund form ask them. */
export function PayoutAssetFields({ idPrefix, values, tokenError }: { idPrefix: string; values?: { network?: string; token?: string }; tokenError?: string | null }) {
  const t = useTranslations("RefundAddress");
  return (
    <>
      <div>
        <label htmlFor={`${idPrefix}-network`} className="block text-sm font-medium">
          {t("network")}
        </label>
        <select id={`${idPrefix}-network`} name="network" defaultValue={values?.network || "ETH"} className="mt-1 w-full rounded-md border border-paper-line px-2 py-1.5">
          {PAYOUT_NETWORKS.map((code) => (
            <option key={code} value={code}>
              {NETWORK_NAMES[code]}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`${idPrefix}-token`} className="block text-sm font-medium">
          {t("token")}
        </label>
        <select
          id={`${idPrefix}-token`}
          name="token"
          defaultValue={values?.token || "USDC"}
          className="mt-1 w-full rounded-md border border-paper-line px-2 py-1.5"
          aria-describedby={tokenError ? `${idPrefix}-token-error` : undefined}
        >
          {PAYOUT_TOKENS.map((token) => (
            <option key={token}>{token}</option>
          ))}
        </select>
        <FieldError id={`${idPrefix}-token`} error={tokenError} />
      </div>
    </>
  );
}
