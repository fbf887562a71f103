import Link from "next/link";

export default function Forbidden() {
  return (
    <div className="flex min-h-[60vh] items-center justify-center px-4">
      <div className="max-w-md text-center">
        <p className="text-sm font-semibold text-rose-600">403</p>
        <h1 className="mt-2 text-2xl font-semibold tracking-tight">You don’t have access to this page</h1>
        <p className="mt-2 text-sm text-slate-600">Your role does not include it. Ask an admin if you need it.</p>
        <Link href="/" className="mt-6 inline-block text-sm font-medium text-indigo-600 hover:text-indigo-500">
          Back to the overview
        </Link>
      </div>
    </div>
  );
}
