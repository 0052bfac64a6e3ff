/** One adapter per compared system. */
@NullMarked
package dev.tandem.bench.impl;

import org.jspecify.annotations.NullMarked;
