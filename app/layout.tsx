import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Changegate", template: "%s · Changegate" },
  description: "The control plane for changes to LLM applications",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">{children}</body>
    </html>
  );
}
