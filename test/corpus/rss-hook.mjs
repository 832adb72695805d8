// Loaded with `node --import` by the corpus test: records the process's peak RSS (KiB) where MINNOW_RSS_FILE says.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.MINNOW_RSS_FILE)
    writeFileSync(process.env.MINNOW_RSS_FILE, String(process.resourceUsage().maxRSS));
});
