/** A refusal or a failure, read out by screen readers when it appears; nothing when there is none. */
export function Problem({ message, inline = false, id }: { message: string | null | undefined; inline?: boolean; id?: string }) {
  if (!message) return null;
  const Tag = inline ? "small" : "p";
  return (
    <Tag id={id} className="problem" role="alert">
      {message}
    </Tag>
  );
}
