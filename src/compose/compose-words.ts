import { FaultlineError } from "../common/errors";

/**
 * Splits a compose `command:` or `entrypoint:` written as one string into words the way Compose
 * does (POSIX shell quoting: '…', "…" with \\ escapes, \\ outside quotes) — without a shell, so
 * `$VAR`, `&&` or `|` stay plain words, as they do under Compose.
 */
export function composeWords(text: string, where: { service: string; key: string; file: string }): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw unclosed(where, "'");
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && j + 1 < text.length && '"\\$`'.includes(text[j + 1]!)) j++;
        word += text[j];
      }
      if (j >= text.length) throw unclosed(where, '"');
      inWord = true;
      i = j;
    } else if (c === "\\" && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function unclosed(where: { service: string; key: string; file: string }, quote: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_PARSE",
    message: `${where.file}: services.${where.service}.${where.key} has an unclosed ${quote}`,
    hint: "close the quote, or write the command as a list: [program, arg, …]",
    option: `services.${where.service}.${where.key}`,
  });
}
