package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.codecs.JsonFields;
import graphql.execution.AsyncExecutionStrategy;
import graphql.execution.DataFetcherExceptionHandler;
import graphql.execution.ExecutionContext;
import graphql.execution.ExecutionStrategyParameters;
import graphql.execution.FieldCollectorParameters;
import graphql.execution.FieldValueInfo;
import graphql.execution.MergedField;
import graphql.execution.MergedSelectionSet;
import graphql.introspection.Introspection;
import graphql.schema.CoercingSerializeException;
import graphql.schema.FieldCoordinates;
import graphql.schema.GraphQLCodeRegistry;
import graphql.schema.GraphQLEnumType;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLList;
import graphql.schema.GraphQLNonNull;
import graphql.schema.GraphQLObjectType;
import graphql.schema.GraphQLScalarType;
import graphql.schema.GraphQLType;
import graphql.schema.GraphQLTypeUtil;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * graphql-java's query strategy with one shortcut for the lists this schema gives out by the thousand (a page of
 * events, a day's minute buckets): a list of objects whose selected fields are all leaves (scalars and enums
 * without arguments, read by the default property fetcher) is completed in one pass over its items, each field's
 * value coerced by its own type, instead of one execution step, validator and parameter object per item and per
 * field. The answer is the same: same keys in the same order, same serialized values. Whatever the shortcut does
 * not cover (a nested object, a field with its own fetcher, a null where the schema says non-null, a value its
 * type refuses) goes the general way, which reports it as graphql-java always does.
 */
final class LeafListStrategy extends AsyncExecutionStrategy {

  /** A list item that gives its fields' values by name, as the default fetcher would read them. */
  interface Fields {
    Object field(String name);
  }

  LeafListStrategy(DataFetcherExceptionHandler errors) {
    super(errors);
  }

  /** A selected leaf: its key in the answer, its field's name, its type, and whether it may be null. */
  private record Leaf(String key, String name, GraphQLType type, boolean nonNull) {
  }

  @Override
  protected FieldValueInfo completeValueForList(ExecutionContext context, ExecutionStrategyParameters parameters,
                                                Iterable<Object> values) {
    List<Object> out = values instanceof List<?> items ? complete(context, parameters, items) : null;
    return out != null ? new FieldValueInfo(FieldValueInfo.CompleteValueType.LIST, out)
      : super.completeValueForList(context, parameters, values);
  }

  /** The completed list, or null where the general way must do it. */
  private List<Object> complete(ExecutionContext context, ExecutionStrategyParameters parameters, List<?> items) {
    if (items.isEmpty() || !(parameters.getExecutionStepInfo().getUnwrappedNonNullType() instanceof GraphQLList list)
      || !(list.getWrappedType() instanceof GraphQLNonNull element)
      || !(element.getWrappedType() instanceof GraphQLObjectType type)) {
      return null;
    }
    for (Object item : items) {
      if (!(item instanceof Map<?, ?>) && !(item instanceof Fields)) {
        return null;
      }
    }
    List<Leaf> leaves = leaves(context, parameters, type);
    if (leaves == null) {
      return null;
    }
    List<Object> out = new ArrayList<>(items.size());
    String[] keys = new String[leaves.size()];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = leaves.get(i).key();
    }
    try {
      for (Object item : items) {
        JsonFields object = new JsonFields(keys.length);
        for (int i = 0; i < keys.length; i++) {
          Leaf leaf = leaves.get(i);
          Object value = leaf.type() == null ? type.getName()
            : item instanceof Fields f ? f.field(leaf.name()) : ((Map<?, ?>) item).get(leaf.name());
          Object serialized = value == null || leaf.type() == null ? value : serialize(context, leaf.type(), value);
          if (serialized == null && leaf.nonNull()) {
            return null;
          }
          object.add(keys[i], serialized);
        }
        out.add(object);
      }
    } catch (CoercingSerializeException e) {
      return null;
    }
    return out;
  }

  private static Object serialize(ExecutionContext context, GraphQLType type, Object value) {
    return type instanceof GraphQLScalarType scalar
      ? scalar.getCoercing().serialize(value, context.getGraphQLContext(), context.getLocale())
      : ((GraphQLEnumType) type).serialize(value, context.getGraphQLContext(), context.getLocale());
  }

  /** The list items' selected fields, in the answer's order, or null unless every one is a plain leaf. */
  private List<Leaf> leaves(ExecutionContext context, ExecutionStrategyParameters parameters, GraphQLObjectType type) {
    FieldCollectorParameters collector = FieldCollectorParameters.newParameters()
      .schema(context.getGraphQLSchema())
      .objectType(type)
      .fragments(context.getFragmentsByName())
      .variables(context.getCoercedVariables().toMap())
      .graphQLContext(context.getGraphQLContext())
      .build();
    MergedSelectionSet selected = fieldCollector.collectFields(collector, parameters.getField());
    GraphQLCodeRegistry registry = context.getGraphQLSchema().getCodeRegistry();
    List<Leaf> leaves = new ArrayList<>(selected.size());
    for (Map.Entry<String, MergedField> e : selected.getSubFields().entrySet()) {
      String name = e.getValue().getName();
      if (Introspection.TypeNameMetaFieldDef.getName().equals(name)) {
        leaves.add(new Leaf(e.getKey(), name, null, true));
        continue;
      }
      GraphQLFieldDefinition def = type.getFieldDefinition(name);
      if (def == null || !def.getArguments().isEmpty() || registry.hasDataFetcher(FieldCoordinates.coordinates(type, def))) {
        return null;
      }
      GraphQLType leaf = GraphQLTypeUtil.unwrapNonNull(def.getType());
      if (!(leaf instanceof GraphQLScalarType) && !(leaf instanceof GraphQLEnumType)) {
        return null;
      }
      leaves.add(new Leaf(e.getKey(), name, leaf, GraphQLTypeUtil.isNonNull(def.getType())));
    }
    return leaves;
  }
}
