import { PostgresEngine } from '../../lib/storage/postgres/index.js';
import { describeEngineContract } from './engine-contract.js';

describeEngineContract('postgres', (dataSource) => new PostgresEngine(dataSource));
