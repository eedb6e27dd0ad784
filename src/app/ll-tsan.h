/* ll-tsan.h - hand-offs between threads declared to ThreadSanitizer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GLib's queues, thread pools and main contexts synchronise with futexes that
 * ThreadSanitizer does not see (GLib is not instrumented), so code that passes data to
 * another thread through them declares the hand-off: tsan_release (p) before giving p
 * away, tsan_acquire (p) on the receiving thread before touching it. Nothing outside a
 * TSan build.
 */
#pragma once

#if defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define LL_TSAN 1
# endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(LL_TSAN)
void __tsan_acquire (void *addr);
void __tsan_release (void *addr);
# define tsan_acquire(p) __tsan_acquire (p)
# define tsan_release(p) __tsan_release (p)
#else
# define tsan_acquire(p) ((void) (p))
# define tsan_release(p) ((void) (p))
#endif
