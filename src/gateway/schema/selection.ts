/**
 * What an operation selects under a resolver's field, read from `info`
 * (fragments followed): resolvers that shape their upstream statement by the
 * selection (typed columns, `_cursor`, `QueryRow.cursor`) read it here.
 *
 * @module
 */
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * The names of the fields selected under the resolver's field: on its type
 * only, or at every depth with `deep`.
 */
export function selectedFieldNames(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, { deep = false } = {}): Set<string> {
  const out = new Set<string>();
  const visit = (set: SelectionSetNode | undefined) => {
    if (!set) return;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        out.add(sel.name.value);
        if (deep) visit(sel.selectionSet);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) visit(sel.selectionSet);
      else visit(info.fragments[sel.name.value]?.selectionSet);
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet);
  return out;
}
