export { fromCompose, type FromComposeOptions } from "./from-compose";
