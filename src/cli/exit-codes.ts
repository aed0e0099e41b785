/** The exit-code table as --help prints it; README's table says the same. */
export const EXIT_CODE_HELP =
  'Exit codes: 0 pass, 1 the profile failed the check, 2 bad usage or configuration, 3 the scanner failed or ' +
  'a report ' +
  'could not be read, 4 delivery failed with forward-failure: fail (or `forward` left something undelivered), ' +
  '70 an internal error (please report it).';
