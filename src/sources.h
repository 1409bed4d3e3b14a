/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where rules come from: systemd's binfmt.d(5) files (one register string a
 * line, the directories' precedence and masking as systemd-binfmt applies
 * them) and Debian binfmt-support's format files (/usr/share/binfmts/NAME,
 * "key value" lines, as update-binfmts --import reads them).  Every rule is
 * checked with nsb_rule_parse(), so a set only ever holds rules the kernel
 * takes.
 */
#ifndef NSB_SOURCES_H
#define NSB_SOURCES_H

#include <stddef.h>

#include "error.h"
#include "rule.h"
#include "ruleset.h"

/* /etc, /run, /usr/local/lib, /usr/lib and /lib binfmt.d, NULL-terminated.
 * A directory that is one already listed (/lib -> usr/lib) is skipped. */
extern const char *const nsb_binfmtd_dirs[];

/*
 * One binfmt.d file: lines end at \n, \r, \r\n, \n\r or NUL (systemd's
 * read_line()); leading and trailing blanks are stripped; empty lines and
 * lines starting with '#' or ';' are skipped; every other line is a register
 * string, checked as systemd-binfmt writes it (with a newline).  /dev/null
 * gives no rules.  On any error the set is as it was and *err names
 * "file:line", the rule and the field.
 */
int nsb_ruleset_add_file (struct nsb_ruleset *set, const char *path,
                          unsigned kfeatures, nsb_error_t *err);

/*
 * The *.conf files of DIRS (NULL: nsb_binfmtd_dirs) as systemd-binfmt finds
 * them: a name in an earlier directory hides the same name in later ones; a
 * symlink to /dev/null, an empty file or a dangling symlink hides it and
 * gives no rules; names starting with '.' are ignored; the files left are
 * read in strcmp() order of their names, whatever their directory.  A
 * missing directory is skipped; any other failure is an error and nothing
 * is added.
 */
int nsb_ruleset_add_binfmtd (struct nsb_ruleset *set, const char *const *dirs,
                             unsigned kfeatures, nsb_error_t *err);

/* The same inside the tree at ROOTFD (a hostile one: every path, symlinks
 * included, resolves beneath it; see nsb_open_in_root), and origins and
 * messages name the paths as seen inside it.  ROOTFD < 0: paths are used as
 * they are, which is nsb_ruleset_add_binfmtd(). */
int nsb_ruleset_add_binfmtd_at (struct nsb_ruleset *set, int rootfd,
                                const char *const *dirs, unsigned kfeatures,
                                nsb_error_t *err);

/*
 * One binfmt-support format file; the entry's name is the file's name.
 * Lines are "key value": trailing white space is stripped, the key (any
 * case) ends at the first space and the value is the rest, as update-binfmts
 * reads them; blank lines are skipped.  Keys: package (required),
 * interpreter (required), magic or extension (one of them), offset and mask
 * (magic only), credentials, preserve, fix_binary (yes|no: flags C, which
 * implies O, P and F).  detector, an unknown key, a key given twice, and a
 * field holding the ':' update-binfmts delimits with are errors.  The
 * values are decoded by nsb_rule_parse() from the register string
 * update-binfmts would write.  The origin is "file:line" of the magic (or
 * extension) line.
 */
int nsb_ruleset_add_binfmts_file (struct nsb_ruleset *set, const char *path,
                                  unsigned kfeatures, nsb_error_t *err);

#endif
