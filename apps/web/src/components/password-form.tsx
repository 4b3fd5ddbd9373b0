import { Button, Form, Input } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client.ts';
import { feedback } from '../api/feedback.ts';
import { useSession } from '../auth/session.tsx';
import { applyFieldErrors, strongPassword } from './form-errors.ts';

/** Change the signed-in user's password; the server answers with a new token (older ones stop working). */
export function PasswordForm({ onChanged }: { onChanged?: () => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm();
  const session = useSession();
  const [submitting, setSubmitting] = useState(false);

  const submit = async (values: { oldPassword: string; newPassword: string }) => {
    setSubmitting(true);
    try {
      const result = await call(api.POST('/scrm/admin/sys/user/updatePassword', { body: { oldPassword: values.oldPassword, newPassword: values.newPassword } }));
      await session.replaceToken(result.token);
      form.resetFields();
      feedback().success(t('password.changed'));
      onChanged?.();
    } catch (error) {
      applyFieldErrors(form, error);
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Form form={form} layout="vertical" onFinish={submit} style={{ maxWidth: 420 }} data-testid="password-form">
      <Form.Item name="oldPassword" label={t('password.old')} rules={[{ required: true }]}>
        <Input.Password autoComplete="current-password" />
      </Form.Item>
      <Form.Item name="newPassword" label={t('password.new')} rules={[{ required: true }, { pattern: strongPassword, message: t('password.tooShort') }]} extra={t('password.tooShort')}>
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Form.Item
        name="confirmPassword"
        label={t('password.confirm')}
        dependencies={['newPassword']}
        rules={[
          { required: true },
          ({ getFieldValue }) => ({
            validator: (_rule, value) => (!value || value === getFieldValue('newPassword') ? Promise.resolve() : Promise.reject(new Error(t('password.mismatch')))),
          }),
        ]}
      >
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={submitting} data-testid="password-submit">
        {t('password.submit')}
      </Button>
    </Form>
  );
}
