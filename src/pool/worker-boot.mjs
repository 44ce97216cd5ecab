// Worker threads start as plain Node: register tsx first, then load the TypeScript worker.
import { register } from 'tsx/esm/api';
register();
const mod = await import('./worker.ts');
export default mod.default;
