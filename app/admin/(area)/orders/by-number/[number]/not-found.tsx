export { default } from "../../[orderId]/not-found";
