import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { RECIPES } from 'hypaware';
import { QUERYING_DOC, generatedBlock, regenerated, renderRecipes, renderViews } from './querying-doc.js';

test('docs/querying.md lists the shipped views and the ten recipes as they are', () => {
  const doc = readFileSync(QUERYING_DOC, 'utf8');
  if (process.env.HYP_WRITE_DOCS === '1') writeFileSync(QUERYING_DOC, regenerated(doc));
  const current = readFileSync(QUERYING_DOC, 'utf8');
  assert.equal(
    generatedBlock(current, 'views').text,
    renderViews(),
    'views block is stale: run HYP_WRITE_DOCS=1 node --test build/test/query/querying-doc.test.js',
  );
  assert.equal(
    generatedBlock(current, 'recipes').text,
    renderRecipes(),
    'recipes block is stale: run HYP_WRITE_DOCS=1 node --test build/test/query/querying-doc.test.js',
  );
  assert.equal(RECIPES.length, 10);
  assert.equal(new Set(RECIPES.map((r) => r.name)).size, RECIPES.length, 'recipe names are unique');
});
