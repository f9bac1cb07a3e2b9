import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { denialNsecs, nsecTypes, successor } from './denial.ts';
import { RRType } from './rdata.ts';
import type { Name } from './wire.ts';
import { compareNames, isSubdomain, lowerName, nameFromText, nameKey, nameToText, nameWireLength } from './wire.ts';

const apex = nameFromText('dcbt.test.');
const covers = (owner: Name, next: Name, name: Name): boolean => compareNames(owner, name) < 0 && compareNames(name, next) < 0;

test('NXDOMAIN directly under the apex: the name and the wildcard are covered, nothing else', () => {
  const qname = nameFromText('nobody.dcbt.test.');
  const nsecs = denialNsecs({ kind: 'nxdomain', qname, closestEncloser: apex, ceTypes: [RRType.SOA] });
  assert.deepEqual(
    nsecs.map((n) => `${nameToText(n.owner)} ${nameToText(n.next)}`),
    ['nobodx\\255.dcbt.test. nobody\\000.dcbt.test.', '\\)\\255.dcbt.test. *\\000.dcbt.test.'],
  );
  assert.ok(covers(nsecs[0]!.owner, nsecs[0]!.next, qname));
  assert.ok(covers(nsecs[1]!.owner, nsecs[1]!.next, nameFromText('*.dcbt.test.')));
});

test('a label ending in \\000 and a bare \\000 label', () => {
  const [first] = denialNsecs({ kind: 'nxdomain', qname: nameFromText('ab\\000.dcbt.test.'), closestEncloser: apex, ceTypes: [] });
  assert.equal(nameToText(first!.owner), '\\255.ab.dcbt.test.');
  const [atCe] = denialNsecs({ kind: 'nxdomain', qname: nameFromText('\\000.alice.dcbt.test.'), closestEncloser: nameFromText('alice.dcbt.test.'), ceTypes: [RRType.A] });
  assert.equal(nameToText(atCe!.owner), 'alice.dcbt.test.', 'the closest encloser itself owns the NSEC, with its real types');
  assert.deepEqual(nsecTypes(atCe!), [RRType.A, RRType.RRSIG, RRType.NSEC]);
});

test('steps skip upper case: the owner never holds A-Z', () => {
  const [n] = denialNsecs({ kind: 'nxdomain', qname: nameFromText('[.dcbt.test.'), closestEncloser: apex, ceTypes: [] });
  assert.equal(nameToText(n!.owner), '\\@\\255.dcbt.test.');
});

test('NODATA: NSEC at the name, next = its immediate successor', () => {
  const name = nameFromText('alice.dcbt.test.');
  const [n] = denialNsecs({ kind: 'nodata', name, types: [RRType.A] });
  assert.equal(nameToText(n!.next), '\\000.alice.dcbt.test.');
  const long = nameFromText(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}.dcbt.test.`);
  assert.equal(nameWireLength(long), 254);
  const next = successor(long);
  assert.ok(compareNames(long, next) < 0);
  assert.ok(nameWireLength(next) <= 255);
});

// Existing names: what the chain can hold (LDH and '_' labels). Query names: any octets.
const ldhLabel = fc.stringMatching(/^_?[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/);
const anyLabel = fc.oneof(
  ldhLabel,
  fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => String.fromCharCode(...b)),
  ldhLabel.map((l) => l + '\0'),
  fc.constant('\0'),
  fc.constant('*'),
);

test('white lies never cover an existing name and always cover the query name and the wildcard', () => {
  fc.assert(
    fc.property(fc.array(fc.array(ldhLabel, { minLength: 1, maxLength: 3 }), { maxLength: 12 }), fc.array(anyLabel, { minLength: 1, maxLength: 3 }), (owned, qlabels) => {
      const existing = new Map<string, Name>([[nameKey(apex), apex]]);
      for (const labels of owned) {
        const name = [...labels, ...apex];
        for (let i = 0; i < labels.length; i++) existing.set(nameKey(name.slice(i)), name.slice(i));
      }
      const qname = lowerName([...qlabels, ...apex]);
      fc.pre(!existing.has(nameKey(qname)));
      let ce: Name = apex;
      for (let depth = qname.length - 1; depth > apex.length; depth--) {
        const candidate = qname.slice(qname.length - depth);
        if (existing.has(nameKey(candidate))) {
          ce = candidate;
          break;
        }
      }
      const nsecs = denialNsecs({ kind: 'nxdomain', qname, closestEncloser: ce, ceTypes: [RRType.A] });
      assert.ok(covers(nsecs[0]!.owner, nsecs[0]!.next, qname) || nameKey(nsecs[0]!.owner) === nameKey(ce));
      assert.ok(nsecs.some((n) => covers(n.owner, n.next, ['*', ...ce])));
      for (const n of nsecs) {
        assert.ok(compareNames(n.owner, n.next) < 0);
        assert.ok(isSubdomain(n.owner, ce) && isSubdomain(n.next, ce), 'owner and next are under the closest encloser');
        assert.ok(nameWireLength(n.owner) <= 255 && nameWireLength(n.next) <= 255);
        for (const name of existing.values()) {
          assert.ok(!covers(n.owner, n.next, name), `${nameToText(n.owner)} → ${nameToText(n.next)} covers existing ${nameToText(name)}`);
        }
      }
    }),
    { numRuns: 2000 },
  );
});
