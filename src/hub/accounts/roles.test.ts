import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CORE_PERMISSIONS, Permissions } from './roles.ts';

test('admins hold every permission; other roles hold what modules grant them', () => {
  const p = new Permissions([
    { id: 'learn', permissions: ['learn.edit', 'learn.review'], grants: { editor: ['learn.edit', 'learn.review'], lead: ['learn.edit'] } },
    { id: 'coalition', permissions: ['coalition.lead'], grants: { lead: ['coalition.lead'] } },
  ]);
  assert.equal(p.allows('admin', 'learn.review'), true);
  assert.equal(p.allows('admin', CORE_PERMISSIONS.manageUsers), true);
  assert.equal(p.allows('editor', 'learn.review'), true);
  assert.equal(p.allows('editor', 'coalition.lead'), false);
  assert.equal(p.allows('lead', 'learn.edit'), true);
  assert.equal(p.allows('lead', 'learn.review'), false);
  assert.equal(p.allows('member', 'learn.edit'), false);
  assert.equal(p.allows('editor', CORE_PERMISSIONS.manageUsers), false);
  assert.deepEqual([...p.of('lead')].sort(), ['coalition.lead', 'learn.edit']);
});

test('granting an undeclared permission or to an unknown role fails at start-up; checking one throws', () => {
  assert.throws(() => new Permissions([{ id: 'x', permissions: [], grants: { editor: ['x.edit'] } }]), /does not declare/);
  assert.throws(() => new Permissions([{ id: 'x', permissions: ['x.edit'], grants: { owner: ['x.edit'] } as never }]), /not a role/);
  assert.throws(() => new Permissions([]).allows('admin', 'x.typo'), /not declared/);
});
