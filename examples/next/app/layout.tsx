// The root layout every App Router page needs.
import type { ReactNode } from 'react';

export const metadata = { title: 'licenzy-gate Next.js example' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
