import { describeStoreContract } from '../testing/store.contract.js';

// One contract, both ways Tandem gets its PostgreSQL (DESIGN.md, "From one
// machine to many").
describeStoreContract('external');
describeStoreContract('embedded');
