import { PriceBook } from '../../src/core/pricing/pricing';
import { dailyReport } from '../../src/core/report/reports';
import { ZonedCalendar } from '../../src/core/time/zonedDate';
import { Ledger } from '../../src/ledger/ledger';
import { claudeCodeSource } from '../../src/sources/claudeCode/claudeCodeSource';

/**
 * One process's refresh of a ledger that seals its rows every `sealRows` (far fewer than the default,
 * so that a small history seals many times), then its totals as JSON: what the tests kill and race.
 * Usage: sealingLedger.ts <Claude folder> <ledger folder> <sealRows>
 */
const [configDir, ledgerDir, sealRows] = process.argv.slice(2);
if (configDir === undefined || ledgerDir === undefined || sealRows === undefined) throw new Error('usage: sealingLedger.ts <Claude folder> <ledger folder> <sealRows>');
const source = claudeCodeSource({ home: configDir, env: { CLAUDE_CONFIG_DIR: configDir }, platform: process.platform });
const ledger = new Ledger({ home: ledgerDir, sources: [source], sealRows: Number(sealRows), snapshotFromLogBytes: 0 });
ledger.refresh();
const { totals } = dailyReport(ledger.eachCounted(), { calendar: new ZonedCalendar('UTC'), prices: new PriceBook() });
process.stdout.write(JSON.stringify({ requests: totals.requests, outputTokens: totals.outputTokens, cacheReadTokens: totals.cacheReadTokens }));
