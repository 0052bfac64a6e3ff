/**
 * Spring Boot auto-configuration of Tandem: a {@link dev.tandem.Tandem} bean per {@code
 * tandem.caches.<name>} entry ({@link dev.tandem.spring.boot.TandemProperties}), a Spring {@link
 * org.springframework.cache.CacheManager} over them ({@link
 * dev.tandem.spring.boot.TandemCacheManager}) and a health indicator. Works on Spring Boot 3.5 and
 * 4.0.
 */
@NullMarked
package dev.tandem.spring.boot;

import org.jspecify.annotations.NullMarked;
