/** The in-process cache tier, on Caffeine: {@link dev.tandem.local.LocalTier}. */
@NullMarked
package dev.tandem.local;

import org.jspecify.annotations.NullMarked;
