package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.jsontype.impl.LaissezFaireSubTypeValidator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonCodecTest {

  record Flight(String number, int delayMinutes, List<String> gates) {}

  record Holder(Object payload) {}

  @JsonTypeInfo(use = JsonTypeInfo.Id.CLASS)
  record ByClassName(String text) {}

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes(@JsonSubTypes.Type(value = Named.Cat.class, name = "cat"))
  sealed interface Named {
    record Cat(String name) implements Named {}
  }

  record Nested(String name, ByClassName inner) {}

  record PropertyLevel(@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS) Object payload) {}

  record InAList(List<ByClassName> items) {}

  record ContentLevel(@JsonTypeInfo(use = JsonTypeInfo.Id.MINIMAL_CLASS) List<Object> items) {}

  record Deeper(List<Map<String, Nested>> levels) {}

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes(@JsonSubTypes.Type(value = Subtyped.Dog.class, name = "dog"))
  sealed interface Subtyped {
    record Dog(PropertyLevel collar) implements Subtyped {}
  }

  /** A tree that refers to itself: the type walk ends. */
  record Tree(String label, List<Tree> children, Named named) {}

  private static byte[] utf8(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void roundTripsARecord() {
    JsonCodec<Flight> codec = JsonCodec.of(Flight.class);
    Flight flight = new Flight("LX 318", 25, List.of("A12", "B3"));
    byte[] json = codec.encode(flight);
    assertThat(new String(json, StandardCharsets.UTF_8))
        .isEqualTo("{\"number\":\"LX 318\",\"delayMinutes\":25,\"gates\":[\"A12\",\"B3\"]}");
    assertThat(codec.decode(json)).isEqualTo(flight);
  }

  @Test
  void roundTripsAGenericTypeThroughATypeReference() {
    JsonCodec<Map<String, List<Integer>>> codec =
        JsonCodec.of(new TypeReference<>() {}, new ObjectMapper());
    Map<String, List<Integer>> value = Map.of("delays", List.of(5, 10, 25));
    assertThat(codec.decode(codec.encode(value))).isEqualTo(value);
    assertThat(codec.type().getRawClass()).isEqualTo(Map.class);
    assertThat(codec.type().getContentType().getContentType().getRawClass())
        .isEqualTo(Integer.class);
  }

  @Test
  void usesTheSuppliedMapperAsItWasWhenTheCodecWasCreated() {
    ObjectMapper mapper =
        new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    JsonCodec<Flight> codec = JsonCodec.of(Flight.class, mapper);
    mapper.setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE);
    Flight flight = new Flight("LX 318", 25, List.of());
    assertThat(new String(codec.encode(flight), StandardCharsets.UTF_8))
        .contains("\"delay_minutes\":25");
    assertThat(codec.decode(codec.encode(flight))).isEqualTo(flight);
  }

  @Test
  void refusesAMapperWithDefaultTyping() {
    ObjectMapper mapper = new ObjectMapper();
    mapper.activateDefaultTyping(
        LaissezFaireSubTypeValidator.instance, ObjectMapper.DefaultTyping.NON_FINAL);
    assertThatThrownBy(() -> JsonCodec.of(Holder.class, mapper))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("default typing enabled")
        .hasMessageContaining("remote code execution");
  }

  @Test
  void refusesATypeThatTakesItsClassFromTheJson() {
    assertThatThrownBy(() -> JsonCodec.of(ByClassName.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("use = CLASS")
        .hasMessageContaining("remote code execution");
  }

  /**
   * Class-name type ids below the root type were accepted: a {@code Nested} value from Redis could
   * name any class on the class path for its {@code inner} field.
   */
  @Test
  void refusesClassNameTypeIdsAtAnyDepth() {
    assertThatThrownBy(() -> JsonCodec.of(Nested.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Nested.class.getName() + ".inner")
        .hasMessageContaining("use = CLASS")
        .hasMessageContaining("remote code execution");
    assertThatThrownBy(() -> JsonCodec.of(PropertyLevel.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(PropertyLevel.class.getName() + ".payload");
    assertThatThrownBy(() -> JsonCodec.of(InAList.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("use = CLASS");
    assertThatThrownBy(() -> JsonCodec.of(ContentLevel.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("use = MINIMAL_CLASS");
    assertThatThrownBy(() -> JsonCodec.of(Deeper.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Nested.class.getName() + ".inner");
    assertThatThrownBy(
            () ->
                JsonCodec.of(
                    new TypeReference<Map<String, List<ByClassName>>>() {}, new ObjectMapper()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("use = CLASS");
    assertThatThrownBy(() -> JsonCodec.of(Subtyped.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(PropertyLevel.class.getName() + ".payload");
  }

  @Test
  void walksASelfReferencingTypeWithTypeIdsByName() {
    JsonCodec<Tree> codec = JsonCodec.of(Tree.class);
    Tree tree =
        new Tree(
            "root",
            List.of(new Tree("leaf", List.of(), new Named.Cat("Tom"))),
            new Named.Cat("Kit"));
    assertThat(codec.decode(codec.encode(tree))).isEqualTo(tree);
  }

  /**
   * What the type walk cannot see (a class-name type id the mapper finds only while reading) is
   * refused while reading.
   */
  @Test
  void theCodecsMapperRefusesEveryClassNameWhileReading() throws Exception {
    ObjectMapper hardened = JsonCodec.refusingClassNames(new ObjectMapper());
    assertThatThrownBy(
            () ->
                hardened.readValue(
                    "{\"payload\":{\"@class\":\"java.util.HashMap\"}}", PropertyLevel.class))
        .hasMessageContaining("java.util.HashMap");
    assertThat(hardened.readValue("{\"@type\":\"cat\",\"name\":\"Tom\"}", Named.class))
        .isEqualTo(new Named.Cat("Tom"));
  }

  @Test
  void acceptsTypeIdsByRegisteredName() {
    JsonCodec<Named> codec = JsonCodec.of(Named.class);
    assertThat(new String(codec.encode(new Named.Cat("Tom")), StandardCharsets.UTF_8))
        .contains("\"@type\":\"cat\"");
    assertThat(codec.decode(utf8("{\"@type\":\"cat\",\"name\":\"Tom\"}")))
        .isEqualTo(new Named.Cat("Tom"));
    assertThatThrownBy(() -> codec.decode(utf8("{\"@type\":\"java.net.URL\",\"name\":\"x\"}")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** A payload naming a class is data, not an instruction: an Object field becomes a list. */
  @Test
  void aClassNameInThePayloadInstantiatesNothing() {
    ObjectMapper mapper = new ObjectMapper();
    JsonCodec<Holder> codec = JsonCodec.of(Holder.class, mapper);
    mapper.activateDefaultTyping(
        LaissezFaireSubTypeValidator.instance, ObjectMapper.DefaultTyping.NON_FINAL);
    Holder decoded =
        codec.decode(utf8("{\"payload\":[\"java.net.URL\",\"http://example.invalid/\"]}"));
    assertThat(decoded.payload()).isEqualTo(List.of("java.net.URL", "http://example.invalid/"));
  }

  @Test
  void malformedTrailingAndNullJsonAreErrorsNamingTheType() {
    JsonCodec<Flight> codec = JsonCodec.of(Flight.class);
    assertThatThrownBy(() -> codec.decode(utf8("{\"number\":")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("as JSON of")
        .hasMessageContaining("Flight");
    assertThatThrownBy(
            () -> codec.decode(utf8("{\"number\":\"LX 1\",\"delayMinutes\":1,\"gates\":[]} {}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Flight");
    assertThatThrownBy(() -> codec.decode(utf8("null")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "JSON null is not a value of [simple type, class " + Flight.class.getName() + "]");
    assertThatThrownBy(() -> codec.decode(utf8("{\"delayMinutes\":\"soon\"}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Flight");
  }

  @Test
  void unencodableValuesAreRefusedWithTheType() {
    JsonCodec<Object> codec = JsonCodec.of(Object.class);
    assertThatThrownBy(() -> codec.encode(new Object()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot encode a java.lang.Object");
  }
}
