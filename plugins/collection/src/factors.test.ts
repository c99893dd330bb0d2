import { describe, expect, it } from 'vitest';
import {
  avoidedPerKg,
  COLLECTION_FACTORS,
  END_OF_LIFE_KG_CO2E_PER_KG,
  GREY_BIN_KG_CO2E_PER_KG,
  GREY_BIN_SHARES,
  MATERIALS,
  TREATMENTS,
} from './factors.js';

describe('collection factors', () => {
  it('weights the grey bin routes by shares that sum to one', () => {
    const total = Object.values(GREY_BIN_SHARES).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 9);
    // 0.24 × 0.692 + 0.68 × 0.045 + 0.04 × 0.140 + 0.04 × 0.173
    expect(GREY_BIN_KG_CO2E_PER_KG).toBeCloseTo(0.2092, 6);
  });

  it('claims the grey bin minus the real route, industrial composting by default', () => {
    expect(avoidedPerKg('coffee-grounds', 'industrial-composting').kgCo2ePerKg).toBeCloseTo(
      0.0692,
      6,
    );
    expect(avoidedPerKg('biowaste', 'shared-composting').kgCo2ePerKg).toBeCloseTo(0.2002, 6);
    expect(avoidedPerKg('biowaste', 'anaerobic-digestion').kgCo2ePerKg).toBeCloseTo(0.0362, 6);
  });

  it('claims nothing for materials without a sourced factor', () => {
    for (const treatment of TREATMENTS) {
      expect(avoidedPerKg('textile', treatment).kgCo2ePerKg).toBe(0);
      expect(avoidedPerKg('other', treatment).kgCo2ePerKg).toBe(0);
      expect(avoidedPerKg('other', treatment).source).toBeUndefined();
    }
  });

  it('never claims a negative saving, and composting beats no route the grey bin beats', () => {
    for (const material of MATERIALS) {
      for (const treatment of TREATMENTS) {
        expect(avoidedPerKg(material, treatment).kgCo2ePerKg).toBeGreaterThanOrEqual(0);
      }
    }
    // The documented limit: against incineration alone, industrial composting saves nothing.
    expect(END_OF_LIFE_KG_CO2E_PER_KG.industrialComposting).toBeGreaterThan(
      END_OF_LIFE_KG_CO2E_PER_KG.incineration,
    );
  });

  it('declares every factor and share it uses, and cites those a weigh-in rests on (ADR 0045)', () => {
    const declared = new Map(COLLECTION_FACTORS.map((f) => [f.key, f]));
    for (const [route, value] of Object.entries(END_OF_LIFE_KG_CO2E_PER_KG)) {
      expect(declared.get(route)?.value, route).toBe(value);
      expect(declared.get(route)?.datasetId, route).toMatch(/^Base Empreinte®: « .+ – Impacts »$/);
    }
    for (const [route, share] of Object.entries(GREY_BIN_SHARES)) {
      expect(declared.get(`share/${route}`)).toMatchObject({ value: share, versionDate: '2021' });
    }
    const shared = avoidedPerKg('coffee-grounds', 'shared-composting');
    expect(shared.cites).toContain('homeComposting');
    expect(shared.cites).toContain('landfill');
    expect(shared.cites).toContain('share/landfill');
    for (const key of shared.cites ?? []) expect(declared.has(key), key).toBe(true);
    expect(avoidedPerKg('textile', 'industrial-composting').cites).toBeUndefined();
  });
});
