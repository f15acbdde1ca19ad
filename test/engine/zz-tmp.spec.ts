import { createTestDataSource, availableDialects } from '../support/databases.js';
it('sqlite/mysql via migrations', async () => {
  console.log(availableDialects(), process.env.KRONOS_TEST_MYSQL, process.env.KRONOS_TEST_TMP);
  for (const d of ['sqlite', 'mysql'] as const) {
    const ds = await createTestDataSource(d, { schema: 'migrations' });
    console.log(d, await ds.query('SELECT * FROM kronos_test_migrations'), ds.options.database);
    await ds.destroy();
  }
});
