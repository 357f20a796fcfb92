import { designFromFile } from '/work/main/generator/pipeline.ts';
import { renderCore, renderSystemTestbench, verificationIp } from '/work/main/generator/render/render.ts';
import { writeFileSync, mkdirSync } from 'node:fs';
const d = designFromFile(process.argv[2]); const dir = process.argv[3]; mkdirSync(dir, { recursive: true });
for (const [f, t] of renderCore(d.model)) writeFileSync(`${dir}/${f}`, t);
for (const [f, t] of verificationIp()) writeFileSync(`${dir}/${f}`, t);
writeFileSync(`${dir}/tb_system.sv`, renderSystemTestbench(d.model));
