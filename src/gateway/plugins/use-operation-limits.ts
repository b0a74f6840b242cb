/**
 * Limits on the size and shape of an operation, checked before any resolver
 * runs (docs/security.md), each refusal a GraphQL error with its own code:
 *
 * - tokens: graphql-js's own `maxTokens` parser guard, so a huge document
 *   stops being lexed at the limit (`TOKEN_LIMIT_EXCEEDED`);
 * - depth, aliases, directives and cost: graphql-armor's validation rules
 *   (`DEPTH_LIMIT_EXCEEDED`, `ALIAS_LIMIT_EXCEEDED`,
 *   `DIRECTIVE_LIMIT_EXCEEDED`, `COST_LIMIT_EXCEEDED`). The rules report
 *   through their `onReject` callback; their own errors (message "Syntax
 *   Error: ...", no code) are not propagated.
 *
 * Introspection (`__schema`) counts towards neither depth nor cost, so that
 * GraphiQL's introspection query goes through. 0 turns a limit off.
 *
 * @module
 */
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, parse, type ParseOptions, type Source, type ValidationContext, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { refusal, type GatewayErrorCode } from '../errors/index.js';

export interface OperationLimits {
  /** Most tokens in a document. @default 1000 */
  readonly maxTokens?: number | undefined;
  /** Deepest field nesting (fragments flattened). @default 10 */
  readonly maxDepth?: number | undefined;
  /** Most aliases in an operation. @default 15 */
  readonly maxAliases?: number | undefined;
  /** Most directives in an operation. @default 50 */
  readonly maxDirectives?: number | undefined;
  /** Highest graphql-armor cost (object 2, scalar 1, ×1.5 per depth level). @default 5000 */
  readonly maxCost?: number | undefined;
}

/** Every limit set (0 or less turns one off). */
type Limits = { readonly [K in keyof OperationLimits]-?: number };

export const DEFAULT_OPERATION_LIMITS: Limits = Object.freeze({
  maxTokens: 1000,
  maxDepth: 10,
  maxAliases: 15,
  maxDirectives: 50,
  maxCost: 5000,
});

/** graphql-js's maxTokens message ("more that" in graphql 16, "more than" in 17). */
const TOKEN_LIMIT_MESSAGE = /Document contains more th(?:at|an) \d+ tokens/;

function reporter(code: GatewayErrorCode, flag: string) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const message = error.message.replace(/^Syntax Error: /, '');
    context?.reportError(refusal(code, `${message} (${flag})`, { httpStatus: 400 }));
  };
}

function armor<O>(rule: (options: O) => ValidationRule, options: O, code: GatewayErrorCode, flag: string): ValidationRule {
  return rule({ ...options, propagateOnRejection: false, onAccept: [], onReject: [reporter(code, flag)] });
}

/** The validation rules for `limits` (used by the plugin; exported for tests). */
export function limitRules(limits: OperationLimits = {}): ValidationRule[] {
  const { maxDepth, maxAliases, maxDirectives, maxCost } = { ...DEFAULT_OPERATION_LIMITS, ...definedOnly(limits) };
  const rules: ValidationRule[] = [];
  if (maxDepth > 0) {
    rules.push(armor(maxDepthRule, { n: maxDepth, flattenFragments: true, ignoreIntrospection: true }, 'DEPTH_LIMIT_EXCEEDED', '--max-depth'));
  }
  if (maxAliases > 0) rules.push(armor(maxAliasesRule, { n: maxAliases }, 'ALIAS_LIMIT_EXCEEDED', '--max-aliases'));
  if (maxDirectives > 0) {
    rules.push(armor(maxDirectivesRule, { n: maxDirectives }, 'DIRECTIVE_LIMIT_EXCEEDED', '--max-directives'));
  }
  if (maxCost > 0) {
    rules.push(armor(costLimitRule, { maxCost, ignoreIntrospection: true }, 'COST_LIMIT_EXCEEDED', '--max-cost'));
  }
  return rules;
}

function definedOnly(limits: OperationLimits): Partial<Limits> {
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
}

export function useOperationLimits(limits: OperationLimits = {}): Plugin {
  const { maxTokens } = { ...DEFAULT_OPERATION_LIMITS, ...definedOnly(limits) };
  const rules = limitRules(limits);
  return {
    onParse({ setParseFn }) {
      if (maxTokens <= 0) return;
      setParseFn((source: string | Source, options?: ParseOptions) => {
        try {
          return parse(source, { ...options, maxTokens });
        } catch (error) {
          if (error instanceof GraphQLError && TOKEN_LIMIT_MESSAGE.test(error.message)) {
            throw refusal(
              'TOKEN_LIMIT_EXCEEDED',
              `The document has more than ${maxTokens} tokens; parsing stopped there (--max-tokens).`,
              { httpStatus: 400 },
            );
          }
          throw error;
        }
      });
    },
    onValidate({ addValidationRule }) {
      for (const rule of rules) addValidationRule(rule);
    },
  };
}
