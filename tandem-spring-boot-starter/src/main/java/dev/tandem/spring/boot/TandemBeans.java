package dev.tandem.spring.boot;

import static java.util.Objects.requireNonNull;

import dev.tandem.Tandem;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers a {@code Tandem<K, V>} bean per {@code tandem.caches.<name>}, named {@code <name>}, its
 * type carrying the key and value classes, so that both {@code @Qualifier("flights")} and
 * {@code @Autowired Tandem<Long, Flight>} find it. Each bean is built by {@link TandemCaches} when
 * first needed and closed with the context.
 */
final class TandemBeans
    implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanFactoryAware {

  private @Nullable Environment environment;
  private @Nullable BeanFactory beanFactory;

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  @Override
  public void registerBeanDefinitions(
      AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
    BeanFactory factory = requireNonNull(beanFactory);
    Map<String, TandemProperties.Cache> caches =
        Binder.get(requireNonNull(environment))
            .bind("tandem", TandemProperties.class)
            .map(TandemProperties::getCaches)
            .orElse(Map.of());
    caches.forEach(
        (name, cache) -> {
          Class<?> valueType = cache.getValueType() != null ? cache.getValueType() : Object.class;
          RootBeanDefinition definition = new RootBeanDefinition();
          definition.setTargetType(
              ResolvableType.forClassWithGenerics(Tandem.class, cache.getKeyType(), valueType));
          definition.setInstanceSupplier(() -> factory.getBean(TandemCaches.class).create(name));
          definition.setDestroyMethodName(AbstractBeanDefinition.INFER_METHOD); // Tandem.close
          // Closed before tandemCaches, which is closed before the DataSource it was built with.
          definition.setDependsOn("tandemCaches");
          registry.registerBeanDefinition(name, definition);
        });
  }
}
