package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.codecs.Timestamps;
import graphql.GraphQLContext;
import graphql.execution.CoercedVariables;
import graphql.language.IntValue;
import graphql.language.StringValue;
import graphql.language.Value;
import graphql.schema.Coercing;
import graphql.schema.CoercingParseLiteralException;
import graphql.schema.CoercingParseValueException;
import graphql.schema.CoercingSerializeException;
import graphql.schema.GraphQLScalarType;
import io.vertx.core.json.JsonObject;

import java.math.BigInteger;
import java.util.Locale;

/**
 * The schema's scalars. {@code DateTime} takes the module's timestamp form, any ISO-8601 with a zone, or epoch
 * milliseconds, and is given out in the module's form; inside, it is epoch milliseconds. {@code JSON} gives out
 * an object as it is.
 */
final class Scalars {

  private Scalars() {
  }

  static final GraphQLScalarType DATE_TIME = GraphQLScalarType.newScalar().name("DateTime")
    .description("yyyy-MM-dd'T'HH:mm:ss.SSS'Z' out; ISO-8601 with a zone or epoch milliseconds in")
    .coercing(new Coercing<Long, String>() {
      @Override
      public String serialize(Object value, GraphQLContext ctx, Locale locale) {
        if (value instanceof Number n) {
          return Timestamps.format(n.longValue());
        }
        throw new CoercingSerializeException("not a time: " + value);
      }

      @Override
      public Long parseValue(Object input, GraphQLContext ctx, Locale locale) {
        try {
          return parse(input);
        } catch (IllegalArgumentException e) {
          throw new CoercingParseValueException(e.getMessage());
        }
      }

      @Override
      public Long parseLiteral(Value<?> input, CoercedVariables vars, GraphQLContext ctx, Locale locale) {
        try {
          if (input instanceof StringValue s) {
            return parse(s.getValue());
          }
          if (input instanceof IntValue i) {
            return parse(i.getValue());
          }
          throw new IllegalArgumentException("a DateTime is a string or epoch milliseconds");
        } catch (IllegalArgumentException e) {
          throw new CoercingParseLiteralException(e.getMessage());
        }
      }

      @Override
      public Value<?> valueToLiteral(Object input, GraphQLContext ctx, Locale locale) {
        return StringValue.of(serialize(input, ctx, locale));
      }
    }).build();

  static final GraphQLScalarType JSON = GraphQLScalarType.newScalar().name("JSON")
    .description("a JSON object, as stored")
    .coercing(new Coercing<Object, Object>() {
      @Override
      public Object serialize(Object value, GraphQLContext ctx, Locale locale) {
        return value instanceof JsonObject o ? o.getMap() : value;
      }

      @Override
      public Object parseValue(Object input, GraphQLContext ctx, Locale locale) {
        return input;
      }
    }).build();

  /** Epoch milliseconds from text with a zone or from a non-negative integer. */
  static long parse(Object input) {
    if (input instanceof String s) {
      return Timestamps.parse(s);
    }
    if (input instanceof BigInteger b) {
      input = b.bitLength() < 63 ? b.longValue() : -1L;
    }
    if (input instanceof Number n && (n instanceof Long || n instanceof Integer) && n.longValue() >= 0) {
      return n.longValue();
    }
    throw new IllegalArgumentException("is neither ISO-8601 with a zone nor epoch milliseconds ≥ 0: " + input);
  }
}
