import type { Metadata } from "next";
import Link from "next/link";
import { Badge, Card, PageHeader, Time, type Tone } from "@/app/_components/ui";
import { ROLE_LABELS, type Role } from "@/lib/auth/permissions";
import { requirePageActor } from "@/lib/auth/session";
import { listUsers } from "@/lib/users/queries";
import { stacked } from "../stacked";

// Text cells sit on the same middle line as the role picker and buttons beside them.
const cell = `${stacked.cell} md:align-middle`;
import { RoleForm } from "./role-form";
import { UserStatusForm } from "./user-status-form";

export const metadata: Metadata = { title: "Users · Settings · Changegate" };

const ROLE_TONE: Record<Role, Tone> = {
  viewer: "neutral",
  author: "info",
  reviewer: "accent",
  security_reviewer: "warning",
  operator: "success",
  admin: "danger",
};

export default async function UsersPage() {
  const actor = await requirePageActor("users.manage");
  const users = await listUsers({ actor });
  const active = users.filter((u) => !u.disabledAt).length;

  return (
    <>
      <PageHeader
        eyebrow={
          <Link href="/settings" className="hover:text-slate-700">
            ← Settings
          </Link>
        }
        title="Users and roles"
        description="A role decides what each person may do; the server checks it on every page and action. Role changes and disabled accounts take effect on the person’s next click and are written to the audit log."
      />
      <Card
        padded={false}
        title={`${users.length} ${users.length === 1 ? "user" : "users"}, ${active} active`}
        actions={
          <Link href="/audit?targetType=user" className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
            User changes in the audit log →
          </Link>
        }
      >
        <div className={stacked.wrapper}>
          <table aria-label="Users" className={stacked.table}>
            <thead className={stacked.head}>
              <tr>
                {["User", "Role", "Status", "Created", "Change role", "Account"].map((name) => (
                  <th key={name} scope="col" className={stacked.th}>
                    {name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className={stacked.body}>
              {users.map((user) => (
                <tr key={user.id} className={`${stacked.row} ${user.disabledAt ? "bg-slate-50/60" : ""}`}>
                  <td data-label="User" className={`${cell} ${stacked.wide}`}>
                    <div className="whitespace-nowrap font-medium text-slate-900">
                      {user.name}
                      {user.id === actor.id ? <span className="ml-1 text-xs font-normal text-slate-500">(you)</span> : null}
                    </div>
                    <div className="text-xs text-slate-500">{user.email}</div>
                  </td>
                  <td data-label="Role" className={cell}>
                    <Badge tone={ROLE_TONE[user.role]}>{ROLE_LABELS[user.role]}</Badge>
                  </td>
                  <td data-label="Status" className={cell}>
                    {user.disabledAt ? (
                      <Badge tone="neutral" title={`Disabled ${user.disabledAt.toISOString()}`}>
                        Disabled
                      </Badge>
                    ) : (
                      <Badge tone="success">Active</Badge>
                    )}
                  </td>
                  <td data-label="Created" className={cell}>
                    <Time value={user.createdAt} />
                  </td>
                  <td data-label="Change role" className={`${cell} ${stacked.wide} max-md:order-last`}>
                    <RoleForm userId={user.id} name={user.name} role={user.role} />
                  </td>
                  <td data-label="Account" className={cell}>
                    <UserStatusForm userId={user.id} name={user.name} disabled={Boolean(user.disabledAt)} isSelf={user.id === actor.id} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </>
  );
}
